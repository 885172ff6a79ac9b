using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace EncDec.Interop.Text;

/// <summary>
/// SentencePiece's character normalisation (<c>nmt_nfkc</c>, <c>nfkc</c>, … as compiled into a <c>.model</c> file's
/// <c>normalizer_spec.precompiled_charsmap</c>), applied as SentencePiece applies it: at each position the longest input
/// prefix found in the map is replaced by its normalised text, and a character the map lacks is kept as it is.
/// <para>
/// Microsoft.ML.Tokenizers 2.0.1 applies this map in its unigram model but not in its BPE model (and .NET's own
/// <c>string.Normalize</c> does nothing for non-ASCII text under invariant globalisation), so
/// <see cref="SentencePieceTokenizer"/> runs it before encoding. Whitespace handling (dummy prefix, collapsing runs of
/// spaces, '▁') is left to the tokenizer, which SentencePiece also does after this map.
/// </para>
/// <para>
/// The map's layout: a little-endian uint32 with the byte size of a double-array trie (Darts-clone units of 4 bytes),
/// the trie, then a blob of NUL-terminated UTF-8 replacement strings; a trie leaf's value is an offset into the blob.
/// </para>
/// </summary>
internal sealed class SentencePieceCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    private SentencePieceCharsMap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
    }

    /// <summary>The map in a serialised SentencePiece <c>ModelProto</c>, or null when the model has none (identity rule).</summary>
    public static SentencePieceCharsMap? FromModel(byte[] model)
    {
        var blob = FindCharsMap(model);
        if (blob is null || blob.Length == 0) return null;
        return Parse(blob);
    }

    /// <summary>Decodes a <c>precompiled_charsmap</c> blob.</summary>
    public static SentencePieceCharsMap Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4) throw new FormatException("precompiled_charsmap shorter than its header");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.Length - 4)
            throw new FormatException($"precompiled_charsmap trie size {trieBytes} does not fit the {blob.Length}-byte map");
        var units = new uint[trieBytes / 4];
        for (int i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        return new SentencePieceCharsMap(units, blob[(4 + (int)trieBytes)..].ToArray());
    }

    /// <summary>The text with every mapped character sequence replaced, as SentencePiece's normaliser does before splitting.</summary>
    public string Normalize(string text)
    {
        if (text.Length == 0) return text;
        var input = Encoding.UTF8.GetBytes(text);
        // Built only from the first replacement that changes the text: most lines pass through without a copy.
        List<byte>? output = null;
        for (int pos = 0; pos < input.Length;)
        {
            int matched = LongestMatch(input.AsSpan(pos), out int offset);
            if (matched > 0)
            {
                int end = Array.IndexOf(_replacements, (byte)0, offset);
                if (end < 0) end = _replacements.Length;
                var replacement = _replacements.AsSpan(offset, end - offset);
                if (output is null && !replacement.SequenceEqual(input.AsSpan(pos, matched)))
                {
                    output = new List<byte>(input.Length + 8);
                    output.AddRange(input.AsSpan(0, pos));
                }
                output?.AddRange(replacement);
                pos += matched;
                continue;
            }
            int n = Math.Min(Utf8Length(input[pos]), input.Length - pos);
            output?.AddRange(input.AsSpan(pos, n));
            pos += n;
        }
        return output is null ? text : Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output));
    }

    /// <summary>
    /// The length of the longest prefix of <paramref name="key"/> that ends at a leaf of the double-array trie, and that
    /// leaf's value; 0 when no prefix is in the map.
    /// </summary>
    private int LongestMatch(ReadOnlySpan<byte> key, out int value)
    {
        value = 0;
        int best = 0;
        uint node = Offset(_units[0]);
        for (int i = 0; i < key.Length; i++)
        {
            node ^= key[i];
            if (node >= _units.Length) break;
            uint unit = _units[node];
            if (Label(unit) != key[i]) break;
            node ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (node >= _units.Length) break;
                value = (int)(_units[node] & 0x7FFFFFFFu);
                best = i + 1;
            }
        }
        if (best > 0 && (uint)value >= (uint)_replacements.Length) throw new FormatException($"precompiled_charsmap replacement offset {value} outside its blob");
        return best;
    }

    // Darts-clone unit fields: bit 8 marks a node with a leaf child; bits 0–7 the label (bit 31 set on leaves, so a leaf
    // never matches a byte); bits 10–30 the offset to the children, scaled by 2^8 when bit 9 is set.
    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private static int Utf8Length(byte lead) => lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

    /// <summary>Reads <c>ModelProto.normalizer_spec</c> (field 3) → <c>NormalizerSpec.precompiled_charsmap</c> (field 2).</summary>
    private static byte[]? FindCharsMap(byte[] model)
    {
        var spec = FindBytesField(model, 3);
        return spec is null ? null : FindBytesField(spec, 2);
    }

    private static byte[]? FindBytesField(byte[] message, int field)
    {
        var input = new CodedInputStream(message);
        byte[]? found = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                found = input.ReadBytes().ToByteArray();
            else
                input.SkipLastField();
        }
        return found;
    }
}
