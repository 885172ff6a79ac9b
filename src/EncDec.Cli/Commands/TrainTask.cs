namespace EncDec.Cli.Commands;

/// <summary>
/// What <c>encdec train --task</c> trains on: a parallel text corpus (or text for <c>--model lm</c>), conversations
/// (a dialogue model), WAV files with their transcripts, or an image folder (image → text, image → mask, image ↔ text).
/// </summary>
internal enum TrainTask { Text, Dialogue, Speech, Image2Seq, Segment, Dual }
