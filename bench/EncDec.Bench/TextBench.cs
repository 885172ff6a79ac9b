using System.Diagnostics;
using System.Globalization;
using System.Text;
using EncDec.Text;

namespace EncDec.Bench;

/// <summary>
/// BPE throughput on a deterministic synthetic corpus (Zipf-distributed words from a generated lexicon):
/// training time for an 8k vocabulary and encoding speed. Prints one JSON object per line.
/// Options: <c>--words N</c> (default 1,000,000), <c>--vocab N</c> (default 8000), <c>--seed N</c>.
/// </summary>
public static class TextBench
{
    public static void Run(string[] args)
    {
        int words = BenchArgs.Int(args, "--words", 1_000_000);
        int vocab = BenchArgs.Int(args, "--vocab", 8000);
        int seed = BenchArgs.Int(args, "--seed", 1234);
        var lines = Corpus(words, seed);

        var sw = Stopwatch.StartNew();
        var tok = BpeTokenizer.Train(lines, vocab);
        double trainSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"bpe_train\",\"words\":{words},\"vocab\":{tok.Vocab.Count},\"merges\":{tok.Merges.Count},\"seconds\":{trainSeconds:F3}}}"));

        // Cold pass (empty word cache), then warm pass (steady state).
        foreach (var pass in new[] { "cold", "warm" })
        {
            long tokens = 0;
            sw.Restart();
            foreach (var line in lines) tokens += tok.Encode(line).Length;
            double s = sw.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"bpe_encode\",\"pass\":\"{pass}\",\"tokens\":{tokens},\"seconds\":{s:F3},\"tokens_per_s\":{tokens / s:F0},\"words_per_s\":{words / s:F0}}}"));
        }
        int mismatches = lines.Count(l => tok.Decode(tok.Encode(l)) != l);
        Console.WriteLine($"{{\"bench\":\"bpe_roundtrip\",\"lines\":{lines.Count},\"mismatches\":{mismatches}}}");
    }

    /// <summary>Lines of 5–30 words drawn from a 50k-word lexicon with Zipf(1.0) frequencies, plus punctuation and numbers.</summary>
    internal static List<string> Corpus(int words, int seed)
    {
        var rng = new Random(seed);
        string[] onsets = ["", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "st", "tr", "sh", "pl", "gr"];
        string[] vowels = ["a", "e", "i", "o", "u", "ou", "ea", "ie", "é", "ö"];
        string[] codas = ["", "", "n", "r", "s", "t", "l", "m", "ng", "ck"];
        var lexicon = new HashSet<string>();
        while (lexicon.Count < 50_000)
        {
            var sb = new StringBuilder();
            int syl = 1 + rng.Next(4);
            for (int k = 0; k < syl; k++) sb.Append(onsets[rng.Next(onsets.Length)]).Append(vowels[rng.Next(vowels.Length)]).Append(codas[rng.Next(codas.Length)]);
            lexicon.Add(sb.ToString());
        }
        var lex = lexicon.ToArray();
        var cdf = new double[lex.Length];
        double total = 0;
        for (int r = 0; r < lex.Length; r++) cdf[r] = total += 1.0 / (r + 1);
        var lines = new List<string>();
        var line = new StringBuilder();
        for (int w = 0; w < words;)
        {
            int n = Math.Min(5 + rng.Next(26), words - w);
            line.Clear();
            for (int k = 0; k < n; k++, w++)
            {
                if (k > 0) line.Append(' ');
                if (rng.Next(50) == 0) { line.Append(rng.Next(10_000).ToString(CultureInfo.InvariantCulture)); continue; }
                int idx = Array.BinarySearch(cdf, rng.NextDouble() * total);
                string word = lex[Math.Min(idx < 0 ? ~idx : idx, lex.Length - 1)];
                line.Append(k == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
                if (rng.Next(12) == 0) line.Append(',');
            }
            line.Append('.');
            lines.Add(line.ToString());
        }
        return lines;
    }
}
