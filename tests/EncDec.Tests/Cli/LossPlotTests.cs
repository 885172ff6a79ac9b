using System.Xml.Linq;
using EncDec.Cli;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>loss.svg, drawn by ScottPlot: well-formed SVG with both curves' legend entries and axis labels.</summary>
public sealed class LossPlotTests
{
    [Fact]
    public void RendersTrainingAndValidationLossAsSvg()
    {
        var losses = Enumerable.Range(1, 50).Select(i => 3.0 / i).ToList();
        string svg = LossPlot.RenderSvg(losses, new List<(long, double)> { (25, 0.5), (50, 0.3) });
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", doc.Root!.Name);
        var texts = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("training loss", texts);
        Assert.Contains("validation loss", texts);
        Assert.Contains("step", texts);
    }
}
