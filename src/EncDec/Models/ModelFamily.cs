namespace EncDec.Models;

/// <summary>The model families one <see cref="ModelFactory"/> builds.</summary>
public enum ModelFamily { Transformer, Rnn, EncoderOnly, DecoderOnly, ImageToSequence, UNet, DualEncoder, SpeechToSequence }
