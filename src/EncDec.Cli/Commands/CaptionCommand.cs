using System.CommandLine;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Cli.Commands;

/// <summary><c>encdec caption --model RUN img.png …</c>: one line per image, the image-to-sequence model's output (greedy, or beam search with <c>--beam</c>).</summary>
internal static class CaptionCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file of an image-to-sequence model (demo --task shapes-caption or digits-ocr)", Required = true };
        var images = new Argument<string[]>("images") { Description = "PNG or JPEG images", Arity = ArgumentArity.OneOrMore };
        var beam = new Option<int>("--beam") { Description = "Beam size (1 = greedy)", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "Longest output in tokens", DefaultValueFactory = _ => 32 };
        var attention = new Option<string?>("--attention")
        {
            Description = "Folder to write NAME.attention.png per image: one panel per output token (the last is end-of-sequence), the image with that "
                          + "token's cross-attention (last decoder layer, mean over heads) over the grid in red",
        };
        var cmd = new Command("caption", "Describe images with an image-to-sequence model (captioning, OCR).") { model, images, beam, maxLength, attention };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(images)!, r.GetValue(beam), r.GetValue(maxLength), stdout, r.GetValue(attention)));
        return cmd;
    }

    public static int Run(string modelPath, string[] images, int beam, int maxLength, TextWriter stdout, string? attentionDir = null)
    {
        if (beam < 1) throw new UserInputException($"--beam must be at least 1, got {beam}");
        if (maxLength < 1) throw new UserInputException($"--max-length must be at least 1, got {maxLength}");
        var (net, loaded, v) = VisionInput.Load<ImageToSequenceModel>(modelPath, "caption images");
        var tok = loaded.TargetTokenizer ?? throw new UserInputException(loaded.Path, null, "the model file has no target tokenizer");
        var batch = Autograd.F.Concat(images.Select(p => VisionInput.Read(p, v).Batch).ToArray(), 0);   // (N, C, H, W)
        var options = beam > 1
            ? new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = beam, MaxLength = maxLength }
            : new GenerationOptions { MaxLength = maxLength };
        if (attentionDir is null)
        {
            var texts = ImageSequenceTrainer.Decode(net, tok, batch, options);
            for (int i = 0; i < images.Length; i++) stdout.WriteLine(images.Length == 1 ? texts[i] : $"{images[i]}\t{texts[i]}");
            return 0;
        }
        CliPaths.CreateRunFolder(attentionDir, "--attention");
        net.Eval();
        var src = net.ForImages(batch);
        var results = SequenceGenerator.Generate(src, src.Sources, options with { ReturnAttention = true });
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < images.Length; i++)
        {
            var best = results[i].Best;
            string text = tok.Decode(best.Tokens);
            string stem = Path.GetFileNameWithoutExtension(images[i]), png = Path.Combine(attentionDir, stem + ".attention.png");
            for (int k = 2; !written.Add(png); k++) png = Path.Combine(attentionDir, $"{stem}-{k}.attention.png");
            var overlay = AttentionOverlay.Render(batch.Select(0, i).Contiguous(), best.Attention!, v.GridHeight, v.GridWidth, v.Encoder == ImageEncoderKind.Vit ? 1 : 0);
            ImageIO.WritePng(png, overlay);
            stdout.WriteLine((images.Length == 1 ? text : $"{images[i]}\t{text}") + $"\t{png}");
        }
        return 0;
    }
}
