namespace EncDec.Text;

/// <summary>Converts text to token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>The token ids of <paramref name="text"/> (no BOS/EOS added). Control tokens in the text are recognized.</summary>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>, skipping special and control tokens (UNK is written as <c>&lt;unk&gt;</c>).</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The vocabulary.</summary>
    Vocabulary Vocab { get; }

    /// <summary>The algorithm.</summary>
    TokenizerKind Kind { get; }

    /// <summary>Writes the tokenizer as one JSON file (atomically).</summary>
    /// <summary>The same JSON that <see cref="Save"/> writes, as a string (checkpoints embed it).</summary>
    string ToJson();

    void Save(string path);
}
