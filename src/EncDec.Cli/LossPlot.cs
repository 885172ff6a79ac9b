using ScottPlot;

namespace EncDec.Cli;

/// <summary>The run folder's <c>loss.svg</c>: training loss per step and validation loss points, drawn by ScottPlot 5.</summary>
internal static class LossPlot
{
    public static string RenderSvg(IReadOnlyList<double> losses, IReadOnlyList<(long Step, double Loss)>? valid = null, int width = 640, int height = 360)
    {
        var plot = new Plot();
        var train = losses.Select((v, i) => (X: (double)(i + 1), Y: v)).Where(p => double.IsFinite(p.Y)).ToArray();
        if (train.Length > 0)
        {
            var line = plot.Add.ScatterLine(train.Select(p => p.X).ToArray(), train.Select(p => p.Y).ToArray());
            line.LegendText = "training loss";
            line.LineWidth = 1.5f;
        }
        var points = (valid ?? Array.Empty<(long, double)>()).Where(v => double.IsFinite(v.Loss)).ToArray();
        if (points.Length > 0)
        {
            var dots = plot.Add.ScatterPoints(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Loss).ToArray());
            dots.LegendText = "validation loss";
            dots.MarkerSize = 7;
        }
        plot.XLabel("step");
        plot.YLabel("loss");
        if (train.Length + points.Length > 0) plot.ShowLegend(Alignment.UpperRight);
        return plot.GetSvgXml(width, height);
    }
}
