using System.CommandLine;
using System.Globalization;
using EncDec.Data;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>The <c>encdec tokenizer train|encode|decode</c> command: its command line and handlers. The handlers take parsed
/// values and streams and return exit codes; user errors are printed as one line on <c>stderr</c> with exit code
/// <see cref="UserError"/>.</summary>
public static class TokenizerCommands
{
    /// <summary>The <c>tokenizer train|encode|decode</c> command lines, each calling its handler below.</summary>
    internal static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("tokenizer", "Train a tokenizer, or encode/decode lines from stdin to stdout.");

        var kind = new Option<string>("--kind") { Description = "bpe|word|char", DefaultValueFactory = _ => "bpe" };
        var vocab = new Option<int>("--vocab-size") { Description = "Target vocabulary size", DefaultValueFactory = _ => 8000 };
        var input = new Option<string[]>("--input") { Description = "Training text files", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output") { Description = "Tokenizer JSON to write", Required = true };
        var minFreq = new Option<int>("--min-frequency") { Description = "Minimum count of a token or merge", DefaultValueFactory = _ => 1 };
        var control = new Option<string[]>("--control-tokens") { Description = "User-defined control tokens, e.g. <2fr> <sep>", AllowMultipleArgumentsPerToken = true };
        var train = new Command("train", "Train a tokenizer from text files.") { kind, vocab, input, output, minFreq, control };
        train.SetAction(r => Train(CliParsers.ParseKind(r.GetValue(kind)!), r.GetValue(vocab), r.GetValue(input)!, r.GetValue(output)!,
            stdout, stderr, r.GetValue(minFreq), r.GetValue(control)));
        cmd.Add(train);

        var tokPath = new Option<string>("--tokenizer") { Description = "Tokenizer JSON", Required = true };
        var encode = new Command("encode", "Encode stdin lines to space-separated ids.") { tokPath };
        encode.SetAction(r => Encode(r.GetValue(tokPath)!, Console.In, stdout, stderr));
        cmd.Add(encode);
        var tokPath2 = new Option<string>("--tokenizer") { Description = "Tokenizer JSON", Required = true };
        var decode = new Command("decode", "Decode space-separated ids from stdin to text.") { tokPath2 };
        decode.SetAction(r => Decode(r.GetValue(tokPath2)!, Console.In, stdout, stderr));
        cmd.Add(decode);
        return cmd;
    }

    /// <summary>Exit code of a successful command.</summary>
    public const int Success = 0;
    /// <summary>Exit code of a user-input error.</summary>
    public const int UserError = 1;

    /// <summary>
    /// Trains a tokenizer on the lines of every input file (each a strict UTF-8 text file, one sentence per line;
    /// for a joint source/target vocabulary pass both sides) and writes it to <paramref name="output"/>.
    /// </summary>
    public static int Train(TokenizerKind kind, int vocabSize, IReadOnlyList<string> inputs, string output,
        TextWriter stdout, TextWriter stderr, int minFrequency = 1, IReadOnlyList<string>? controlTokens = null, int maxLineChars = 100_000)
    {
        try
        {
            if (inputs.Count == 0) throw new UserInputException("no --input files given");
            if (vocabSize <= 0) throw new UserInputException($"--vocab-size must be positive (got {vocabSize})");
            long lines = 0;
            var tok = Tokenizer.Train(kind, Lines(inputs, maxLineChars, () => lines++), vocabSize, minFrequency, controlTokens);
            if (lines == 0) throw new UserInputException($"the input files contain no lines: {string.Join(", ", inputs)}");
            tok.Save(output);
            stdout.WriteLine($"trained {kind.ToString().ToLowerInvariant()} tokenizer: {tok.Vocab.Count} tokens from {lines} lines -> {output}");
            return Success;
        }
        catch (UserInputException e) { stderr.WriteLine($"error: {e.Message}"); return UserError; }
    }

    private static IEnumerable<string> Lines(IReadOnlyList<string> inputs, int maxLineChars, Action onLine)
    {
        foreach (var path in inputs)
        {
            using var r = new Utf8LineReader(path, maxLineChars);
            while (r.ReadLine() is { } line) { onLine(); yield return line; }
        }
    }

    /// <summary>Reads text lines from <paramref name="stdin"/> and writes each line's ids, space-separated.</summary>
    public static int Encode(string tokenizerPath, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var tok = Tokenizer.Load(tokenizerPath);
            var sb = new System.Text.StringBuilder();
            while (stdin.ReadLine() is { } line)
            {
                sb.Clear();
                foreach (int id in tok.Encode(line))
                {
                    if (sb.Length > 0) sb.Append(' ');
                    sb.Append(id.ToString(CultureInfo.InvariantCulture));
                }
                stdout.WriteLine(sb.ToString());
            }
            return Success;
        }
        catch (UserInputException e) { stderr.WriteLine($"error: {e.Message}"); return UserError; }
    }

    /// <summary>Reads lines of space-separated ids from <paramref name="stdin"/> and writes each line's text.</summary>
    public static int Decode(string tokenizerPath, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        const string StdinName = "<stdin>";
        try
        {
            var tok = Tokenizer.Load(tokenizerPath);
            var ids = new List<int>();
            long lineNo = 0;
            while (stdin.ReadLine() is { } line)
            {
                lineNo++;
                ids.Clear();
                foreach (var field in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                        throw new UserInputException(StdinName, lineNo, $"'{field}' is not a token id");
                    if (id >= tok.Vocab.Count)
                        throw new UserInputException(StdinName, lineNo, $"token id {id} is outside the vocabulary (size {tok.Vocab.Count})");
                    ids.Add(id);
                }
                stdout.WriteLine(tok.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids)));
            }
            return Success;
        }
        catch (UserInputException e) { stderr.WriteLine($"error: {e.Message}"); return UserError; }
    }
}
