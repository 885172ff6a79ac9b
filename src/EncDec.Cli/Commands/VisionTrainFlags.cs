using System.CommandLine;
using EncDec.Models;

namespace EncDec.Cli.Commands;

/// <summary>The image tasks of <c>encdec train --task …</c>.</summary>
internal enum VisionTrainTask { Image2Seq, Segment, Dual }

/// <summary>What <c>encdec train --task …</c> reads besides the shared training flags.</summary>
internal sealed record VisionTrainArgs(VisionTrainTask Task, string Images, string Labels, string? ValidLabels, ImageEncoderKind Encoder, int Channels);

/// <summary>
/// The flags <c>encdec train</c> gains for image tasks (<c>--task image2seq|segment|dual</c>): <c>--images DIR</c>,
/// <c>--labels FILE</c>, <c>--valid-labels FILE</c>, <c>--image-encoder cnn|vit</c>, <c>--channels 1|3</c>.
/// </summary>
internal sealed class VisionTrainFlags
{
    private readonly Option<string?> _images = new("--images") { Description = "--task: the image folder (PNG/JPEG) the labels files name images in" };
    private readonly Option<string?> _labels = new("--labels") { Description = "--task: training labels, NAME<TAB>TEXT a line (segment: NAME<TAB>MASK.png, grey value = class)" };
    private readonly Option<string?> _validLabels = new("--valid-labels") { Description = "--task: validation labels (same format and folder), scored every --valid-every steps" };
    private readonly Option<string?> _encoder = new("--image-encoder") { Description = "--task image2seq|dual: cnn (residual blocks) | vit (patches) [default: cnn]" };
    private readonly Option<int?> _channels = new("--channels") { Description = "--task: 1 (grey) or 3 (RGB) input channels [default: 3]" };

    public IEnumerable<Option> Options => [_images, _labels, _validLabels, _encoder, _channels];

    /// <summary>The names of these flags (not <see cref="TrainSpec"/> settings).</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal) { "--images", "--labels", "--valid-labels", "--image-encoder", "--channels" };

    /// <summary>The first image flag given, if any (a run of another task must not get them).</summary>
    public string? StrayFlag(ParseResult r) =>
        r.GetValue(_images) is not null ? "--images" : r.GetValue(_labels) is not null ? "--labels" : r.GetValue(_validLabels) is not null ? "--valid-labels"
        : r.GetValue(_encoder) is not null ? "--image-encoder" : r.GetValue(_channels) is not null ? "--channels" : null;

    /// <summary>The image task of a <see cref="TrainTask"/>, or null for the other tasks.</summary>
    public static VisionTrainTask? ImageTask(TrainTask task) => task switch
    {
        TrainTask.Image2Seq => VisionTrainTask.Image2Seq, TrainTask.Segment => VisionTrainTask.Segment, TrainTask.Dual => VisionTrainTask.Dual, _ => null,
    };

    public VisionTrainArgs Read(ParseResult r, VisionTrainTask task)
    {
        string images = r.GetValue(_images) ?? throw new UserInputException("--images: the image folder is required with --task");
        string labels = r.GetValue(_labels) ?? throw new UserInputException("--labels: the training labels file is required with --task");
        var encoder = (r.GetValue(_encoder) ?? "cnn").ToLowerInvariant() switch
        {
            "cnn" => ImageEncoderKind.Cnn,
            "vit" => ImageEncoderKind.Vit,
            var e => throw new UserInputException($"--image-encoder: unknown image encoder '{e}' (expected cnn or vit)"),
        };
        int channels = r.GetValue(_channels) ?? 3;
        if (channels is not (1 or 3)) throw new UserInputException($"--channels must be 1 or 3, got {channels}");
        return new VisionTrainArgs(task, images, labels, r.GetValue(_validLabels), encoder, channels);
    }
}
