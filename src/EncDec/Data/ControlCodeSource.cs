namespace EncDec.Data;

/// <summary>Where a language model's control codes (CTRL-style conditioning) come from in a monolingual file.</summary>
public enum ControlCodeSource
{
    /// <summary>No control codes: every line is a text with an empty prefix.</summary>
    None,
    /// <summary><c>CODES\tTEXT</c> per line; the codes are separated by spaces.</summary>
    Tsv,
    /// <summary>The leading <c>&lt;...&gt;</c> tokens of a line are its codes, the rest is the text.</summary>
    Prefix,
}
