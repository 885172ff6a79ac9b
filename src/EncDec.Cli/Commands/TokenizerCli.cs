using System.CommandLine;
using EncDec.Cli.Commands;
using EncDec.Text;

namespace EncDec.Cli;

/// <summary><c>encdec tokenizer train|encode|decode</c>.</summary>
internal static class TokenizerCli
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("tokenizer", "Train a tokenizer, or encode/decode lines from stdin to stdout.");

        var kind = new Option<string>("--kind") { Description = "bpe|word|char", DefaultValueFactory = _ => "bpe" };
        var vocab = new Option<int>("--vocab-size") { Description = "Target vocabulary size", DefaultValueFactory = _ => 8000 };
        var input = new Option<string[]>("--input") { Description = "Training text files", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output") { Description = "Tokenizer JSON to write", Required = true };
        var minFreq = new Option<int>("--min-frequency") { Description = "Minimum count of a token or merge", DefaultValueFactory = _ => 1 };
        var control = new Option<string[]>("--control-tokens") { Description = "User-defined control tokens, e.g. <2fr> <sep>", AllowMultipleArgumentsPerToken = true };
        var train = new Command("train", "Train a tokenizer from text files.") { kind, vocab, input, output, minFreq, control };
        train.SetAction(r => TokenizerCommands.Train(CliParsers.ParseKind(r.GetValue(kind)!), r.GetValue(vocab), r.GetValue(input)!, r.GetValue(output)!,
            stdout, stderr, r.GetValue(minFreq), r.GetValue(control)));
        cmd.Add(train);

        var tokPath = new Option<string>("--tokenizer") { Description = "Tokenizer JSON", Required = true };
        var encode = new Command("encode", "Encode stdin lines to space-separated ids.") { tokPath };
        encode.SetAction(r => TokenizerCommands.Encode(r.GetValue(tokPath)!, Console.In, stdout, stderr));
        cmd.Add(encode);
        var tokPath2 = new Option<string>("--tokenizer") { Description = "Tokenizer JSON", Required = true };
        var decode = new Command("decode", "Decode space-separated ids from stdin to text.") { tokPath2 };
        decode.SetAction(r => TokenizerCommands.Decode(r.GetValue(tokPath2)!, Console.In, stdout, stderr));
        cmd.Add(decode);
        return cmd;
    }
}
