using EncDec.Cli;
using EncDec.Server;
using EncDec.Training;
using Microsoft.Playwright;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>
/// The web pages in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright's bundled driver, no
/// download): streamed translation, beam n-best with the attention heat map, and the dashboard's live curves.
/// Each test saves a screenshot under the test output folder (screenshots/).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Shots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private static async Task<(IPlaywright, IBrowser, IPage)> Open(Uri address)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (.ci/run does)");
        var pw = await Playwright.CreateAsync();
        var browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1000 } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(address.ToString());
        return (pw, browser, page);
    }

    private static async Task Shot(IPage page, string name)
    {
        Directory.CreateDirectory(Shots);
        var path = Path.Combine(Shots, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 1000);
    }

    [Fact]
    public async Task TranslatePage_StreamsTokensThenBeamNBestWithAHeatMap()
    {
        await using var s = await Start();
        var (pw, browser, page) = await Open(s.Address);
        using var _ = pw;
        await using var __ = browser;
        // record every text the output box is given while tokens stream in (each mutation record, so tokens that
        // arrive in one network chunk still count one by one)
        await page.EvaluateAsync("""
            window.seen = [];
            new MutationObserver(records => { for (const r of records) for (const n of r.addedNodes) window.seen.push(n.textContent); })
              .observe(document.getElementById('output'), { childList: true, characterData: true, subtree: true });
            """);
        await page.FillAsync("#source", "a b c d");
        await page.ClickAsync("#translate");
        await page.WaitForFunctionAsync("document.getElementById('status').textContent.startsWith('done')");
        Assert.Equal("a b c d", await page.TextContentAsync("#output"));
        var seen = (await page.EvaluateAsync<string[]>("window.seen")).Where(t => t.Length > 0).Distinct().ToList();
        Assert.Contains("a", seen);          // the first token, before the rest
        Assert.Contains("a b c", seen);
        Assert.True(seen.Count >= 7, string.Join(" | ", seen));
        await Shot(page, "translate-greedy.png");

        await page.SelectOptionAsync("#strategy", "beam");
        await page.FillAsync("#nbest-count", "3");
        await page.ClickAsync("#translate");
        await page.WaitForFunctionAsync("document.querySelectorAll('#nbest li').length === 3");
        var scores = await page.Locator("#nbest li .score").AllTextContentsAsync();
        Assert.Equal(3, scores.Count);
        Assert.Equal("a b c d", await page.Locator("#nbest li .text").First.TextContentAsync());
        int cells = await page.Locator("#heatmap td.cell").CountAsync();
        Assert.Equal(8 * 7, cells);          // (7 output chars + EOS) × 7 source chars
        await page.Locator("#heatmap td.cell").Nth(9).HoverAsync();
        Assert.Matches(@"← .+: 0\.\d{4}", await page.TextContentAsync("#tip"));
        Assert.True(await page.IsVisibleAsync("#tip"));
        await page.Locator("#nbest li").Nth(2).ClickAsync();   // another hypothesis: its own heat map
        Assert.Contains("chosen", await page.Locator("#nbest li").Nth(2).GetAttributeAsync("class"));
        await Shot(page, "translate-beam-nbest-heatmap.png");
    }

    [Fact]
    public async Task Dashboard_ShowsANewPointWhenTheRunsMetricsGrow()
    {
        using var dir = new TempDir();
        var run = Directory.CreateDirectory(Path.Combine(dir.Path, "demo")).FullName;
        var log = new MetricsLog(Path.Combine(run, "metrics.jsonl"));
        for (int i = 1; i <= 3; i++) log.Step(new StepInfo(i * 10, 3.0 / i, 1e-3, 1, 1000 + i, 100, 0.1, 0, false, i));
        log.Validation(new ValidationInfo(30, 1.5, 4.48, 12.5, 0.1, true, 30.2));
        await using var s = await Start(new ServerSettings { RunsDir = dir.Path }, withModel: false);
        var (pw, browser, page) = await Open(new Uri(s.Address, "dashboard"));
        using var _ = pw;
        await using var __ = browser;
        await page.WaitForFunctionAsync("document.getElementById('chart-loss').dataset.points === '4'");   // 3 train + 1 valid
        Assert.Equal("2", await page.GetAttributeAsync("#chart-bleu", "data-points"));
        Assert.Equal("demo", await page.TextContentAsync("#runs button.active"));
        await Shot(page, "dashboard-before.png");
        log.Step(new StepInfo(40, 0.6, 1e-3, 1, 1010, 100, 0.1, 0, false, 4));   // the run trains on
        await page.WaitForFunctionAsync("document.getElementById('chart-loss').dataset.points === '5'");
        Assert.Equal("4", await page.GetAttributeAsync("#chart-tokens", "data-points"));
        log.Dispose();
        await Shot(page, "dashboard-after.png");
    }
}
