using System.CommandLine;
using System.Globalization;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Pipelines;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec chat --model RUN</c>: a terminal conversation with a dialogue model. Each input line is the user's turn and the
/// model's reply is printed on one line; the history is kept (the model sees the most recent turns within its context
/// budget). Commands: <c>/reset</c>, <c>/save FILE</c> (the conversation as one JSONL line, written atomically),
/// <c>/set temperature 0.7</c> (also top_k, top_p, seed, max_length; temperature 0 = greedy), <c>/history</c>, <c>/quit</c>.
/// Works with piped input (no prompts are printed then); end of input ends the session.
/// </summary>
internal static class ChatCommand
{
    private const string Help = "commands: /reset, /save FILE, /set temperature|top_k|top_p|seed|max_length VALUE, /history, /quit";

    public static Command Build(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var model = new Option<string>("--model") { Description = "Run folder of `encdec dialogue train` (or its model file)", Required = true };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature (0 = greedy decoding)", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 0UL };
        var maxLength = new Option<int>("--max-length") { Description = "Longest reply in tokens", DefaultValueFactory = _ => 64 };
        var cmd = new Command("chat", "Talk to a dialogue model in the terminal (history kept; " + Help + ").") { model, temperature, topK, topP, seed, maxLength };
        cmd.SetAction(r =>
        {
            var dm = DialogueModel.Load(r.GetValue(model)!);
            var options = DialogueModel.DefaultOptions;
            options = Set(options, "max_length", r.GetValue(maxLength).ToString(CultureInfo.InvariantCulture), "--max-length");
            options = Set(options, "top_k", r.GetValue(topK).ToString(CultureInfo.InvariantCulture), "--top-k");
            options = Set(options, "top_p", r.GetValue(topP).ToString(CultureInfo.InvariantCulture), "--top-p");
            options = Set(options, "seed", r.GetValue(seed).ToString(CultureInfo.InvariantCulture), "--seed");
            options = Set(options, "temperature", r.GetValue(temperature).ToString(CultureInfo.InvariantCulture), "--temperature");
            bool interactive = ReferenceEquals(stdin, Console.In) && !Console.IsInputRedirected;
            return Run(new DialogueSession(dm, options), stdin, stdout, stderr, interactive);
        });
        return cmd;
    }

    /// <summary>The session loop; returns the exit code (0 at /quit or end of input).</summary>
    internal static int Run(DialogueSession session, TextReader stdin, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var s = session.Model.Settings;
        if (interactive)
        {
            stdout.WriteLine($"chatting as '{s.User}' with '{s.Bot}' (context {s.ContextTokens} tokens); {Help}");
            stdout.Write("> ");
            stdout.Flush();
        }
        while (stdin.ReadLine() is { } raw)
        {
            string line = raw.Trim();
            if (line.Length > 0)
            {
                if (!Command(session, line, stdout, stderr, out bool quit)) stdout.WriteLine(session.Reply(line));
                else if (quit) return 0;
            }
            if (interactive) stdout.Write("> ");
            stdout.Flush();
        }
        return 0;
    }

    /// <summary>Runs a <c>/command</c> line (false when the line is a turn).</summary>
    private static bool Command(DialogueSession session, string line, TextWriter stdout, TextWriter stderr, out bool quit)
    {
        quit = false;
        if (!line.StartsWith('/')) return false;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            switch (parts[0].ToLowerInvariant())
            {
                case "/quit" or "/exit":
                    quit = true;
                    break;
                case "/reset":
                    session.Reset();
                    stdout.WriteLine("(history cleared)");
                    break;
                case "/history":
                    foreach (var t in session.History) stdout.WriteLine($"{t.Speaker}: {t.Text}");
                    break;
                case "/save" when parts.Length == 2:
                    DialogueCorpus.Write(parts[1], [new Conversation(session.History.ToList())]);
                    stdout.WriteLine($"(saved {session.History.Count} turns to {parts[1]})");
                    break;
                case "/set" when parts.Length == 3:
                    session.Options = Set(session.Options, parts[1].ToLowerInvariant().Replace('-', '_'), parts[2], parts[1]);
                    stdout.WriteLine($"({parts[1]} = {parts[2]}; {(session.Options.Strategy == DecodingStrategy.Sample ? "sampling" : "greedy")})");
                    break;
                default:
                    stderr.WriteLine($"error: unknown or incomplete command '{line}'; {Help}");
                    break;
            }
        }
        catch (UserInputException e) { stderr.WriteLine("error: " + e.Message); }
        catch (IOException e) { stderr.WriteLine($"error: {parts[1]}: {ErrorBoundary.DescribeIoError(e)}"); }
        catch (UnauthorizedAccessException e) { stderr.WriteLine($"error: {parts[1]}: {ErrorBoundary.DescribeIoError(e)}"); }
        return true;
    }

    /// <summary>One sampling setting by name (as <c>/set NAME VALUE</c>); a bad value is a <see cref="UserInputException"/> naming <paramref name="what"/>.</summary>
    internal static GenerationOptions Set(GenerationOptions o, string name, string value, string what)
    {
        var inv = CultureInfo.InvariantCulture;
        UserInputException Bad(string expected) => new($"{what}: '{value}' is not {expected}");
        switch (name)
        {
            case "temperature":
                if (!float.TryParse(value, NumberStyles.Float, inv, out float t) || !(t >= 0) || float.IsInfinity(t)) throw Bad("a temperature ≥ 0");
                return t == 0 ? o with { Strategy = DecodingStrategy.Greedy, Temperature = 1f } : o with { Strategy = DecodingStrategy.Sample, Temperature = t };
            case "top_k":
                if (!int.TryParse(value, NumberStyles.Integer, inv, out int k) || k < 0) throw Bad("an integer ≥ 0");
                return o with { TopK = k };
            case "top_p":
                if (!float.TryParse(value, NumberStyles.Float, inv, out float p) || !(p > 0 && p <= 1)) throw Bad("a probability in (0, 1]");
                return o with { TopP = p };
            case "seed":
                if (!ulong.TryParse(value, NumberStyles.Integer, inv, out ulong seed)) throw Bad("an integer ≥ 0");
                return o with { Seed = seed };
            case "max_length":
                if (!int.TryParse(value, NumberStyles.Integer, inv, out int n) || n < 1 || n > 10_000) throw Bad("an integer in 1–10,000");
                return o with { MaxLength = n };
            default:
                throw new UserInputException($"{what}: unknown setting (expected temperature, top_k, top_p, seed or max_length)");
        }
    }
}
