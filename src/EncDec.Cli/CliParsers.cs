using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>Parsers of option values that several commands share (tokenizer kinds, RNN settings, scheduled sampling).</summary>
internal static class CliParsers
{
    internal static TokenizerKind ParseKind(string s, string option = "--kind") => s.ToLowerInvariant() switch
    {
        "bpe" => TokenizerKind.Bpe,
        "word" => TokenizerKind.Word,
        "char" => TokenizerKind.Char,
        _ => throw new UserInputException($"{option}: unknown tokenizer kind '{s}' (expected bpe, word or char)"),
    };

    internal static AttentionKind ParseAttention(string s) => s.ToLowerInvariant() switch
    {
        "bahdanau" => AttentionKind.Bahdanau, "luong-dot" or "dot" => AttentionKind.LuongDot, "luong-general" or "general" => AttentionKind.LuongGeneral,
        "luong-concat" or "concat" => AttentionKind.LuongConcat, "none" => AttentionKind.None,
        _ => throw new UserInputException($"--attention: unknown attention '{s}' (expected bahdanau, luong-dot, luong-general, luong-concat or none)"),
    };

    internal static RnnCellKind ParseCell(string s) => CliEnum.Parse(s, "--cell", "cell", [RnnCellKind.Lstm, RnnCellKind.Gru, RnnCellKind.Rnn]);

    internal static SamplingDecay ParseDecay(string s) => CliEnum.Parse<SamplingDecay>(s, "--scheduled-sampling", "decay");
}
