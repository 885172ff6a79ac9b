using EncDec.Autograd;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Interop.PyTorch;

/// <summary>Converts state dicts between PyTorch's names and layouts (<see cref="PyTorchMapping"/>) and EncDec's.</summary>
public static class PyTorchWeights
{
    private static readonly (string Torch, string EncDec)[] Prefixes =
    [
        ("src_tok_emb.", "src_embed.tokens."), ("tgt_tok_emb.", "tgt_embed.tokens."),
        ("transformer.encoder.", "encoder.stack."), ("transformer.decoder.", "decoder.stack."), ("generator.", "generator."),
    ];

    /// <summary>A PyTorch state dict → EncDec names (packed attention projections split); unknown names are a user error naming them.</summary>
    public static Dictionary<string, Tensor> ToEncDec(IReadOnlyDictionary<string, Tensor> torch, string source)
    {
        var r = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in torch)
        {
            var (from, to) = Prefixes.FirstOrDefault(p => name.StartsWith(p.Torch, StringComparison.Ordinal));
            if (from is null) throw new UserInputException(source, null, $"tensor '{name}' is not part of the transformer mapping (src_tok_emb, tgt_tok_emb, transformer, generator)");
            string n = to + name[from.Length..];
            if (n.EndsWith("in_proj_weight", StringComparison.Ordinal) || n.EndsWith("in_proj_bias", StringComparison.Ordinal))
            {
                string prefix = n[..n.LastIndexOf("in_proj_", StringComparison.Ordinal)], kind = n.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                int e = t.Shape[0] / 3;
                string[] parts = ["q_proj", "k_proj", "v_proj"];
                for (int i = 0; i < 3; i++) r[$"{prefix}{parts[i]}.{kind}"] = t.Narrow(0, i * e, e).Contiguous();   // rows [iE, (i+1)E)
            }
            else r[n] = t;
        }
        return r;
    }

    /// <summary>An EncDec Transformer's state dict with PyTorch's names (q/k/v projections packed into in_proj).</summary>
    public static Dictionary<string, Tensor> ToPyTorch(IReadOnlyDictionary<string, Tensor> encdec)
    {
        var r = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in encdec)
        {
            var (to, from) = Prefixes.FirstOrDefault(p => name.StartsWith(p.EncDec, StringComparison.Ordinal));
            if (from is null) throw new UserInputException($"tensor '{name}' has no PyTorch name in the transformer mapping (learned positions or shared embeddings are not part of it)");
            string n = to + name[from.Length..];
            foreach (var kind in new[] { "weight", "bias" })
            {
                if (!n.EndsWith($"q_proj.{kind}", StringComparison.Ordinal)) continue;
                string prefix = n[..^$"q_proj.{kind}".Length];
                string e = name[..^$"q_proj.{kind}".Length];
                r[$"{prefix}in_proj_{kind}"] = F.Concat([t, encdec[e + $"k_proj.{kind}"], encdec[e + $"v_proj.{kind}"]], 0);   // (3E, …)
                n = "";
            }
            if (n.Length == 0 || n.Contains("k_proj.", StringComparison.Ordinal) || n.Contains("v_proj.", StringComparison.Ordinal)) continue;
            r[n] = t;
        }
        return r;
    }

    /// <summary>The EncDec config of a PyTorch transformer state dict (sizes read from the shapes; heads and norm given).</summary>
    public static ModelConfig InferConfig(IReadOnlyDictionary<string, Tensor> torch, int heads, NormPosition norm, string source)
    {
        Tensor Need(string n) => torch.TryGetValue(n, out var t) ? t : throw new UserInputException(source, null, $"missing tensor '{n}'");
        var src = Need("src_tok_emb.weight");
        int d = src.Shape[1];
        if (heads < 1 || d % heads != 0) throw new UserInputException($"--heads {heads}: must divide d_model {d}");
        int Layers(string stack) => torch.Keys.Where(k => k.StartsWith(stack, StringComparison.Ordinal))
                                         .Select(k => int.Parse(k[stack.Length..].Split('.')[0], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        return new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = src.Shape[0], TgtVocabSize = Need("generator.weight").Shape[0], DModel = d, Heads = heads,
            FeedForward = Need("transformer.encoder.layers.0.linear1.weight").Shape[0],
            EncoderLayers = Layers("transformer.encoder.layers."), DecoderLayers = Layers("transformer.decoder.layers."),
            Norm = norm, FinalNorm = true, Positional = PositionalKind.Sinusoidal,
        };
    }

    /// <summary>Reads a PyTorch safetensors state dict into an EncDec model (names checked strictly).</summary>
    public static (Module Model, ModelConfig Config) Import(string path, PyTorchMapping mapping, int heads, NormPosition norm)
    {
        var (torch, _) = SafeTensors.Load(path);
        var config = mapping == PyTorchMapping.Lstm ? PyTorchLstmWeights.InferConfig(torch, path) : InferConfig(torch, heads, norm, path);
        var model = ModelFactory.Build(config);
        try { model.LoadStateDict(mapping == PyTorchMapping.Lstm ? PyTorchLstmWeights.ToEncDec(torch, path) : ToEncDec(torch, path), strict: true); }
        catch (UserInputException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new UserInputException(path, null, $"does not match the {mapping.ToString().ToLowerInvariant()} mapping: {e.Message}");
        }
        model.Eval();
        return (model, config);
    }

    /// <summary>Writes an EncDec Transformer's (transformer mapping) or LSTM encoder-decoder's (lstm mapping) weights with PyTorch's names (atomically); returns the number of tensors.</summary>
    public static int Export(Module model, ModelConfig config, string path)
    {
        if (config.Family == ModelFamily.Rnn)
        {
            if (PyTorchLstmWeights.Unsupported(config) is { } need) throw new UserInputException($"--format pytorch: the lstm mapping needs {need}");
            var lstm = PyTorchLstmWeights.ToPyTorch(model.StateDict());
            SafeTensors.Save(path, lstm);
            return lstm.Count;
        }
        if (config.Family != ModelFamily.Transformer || config.Positional != PositionalKind.Sinusoidal || config.ShareEmbeddings || config.TieOutput
            || !(config.FinalNorm ?? config.Norm == NormPosition.Pre))
            throw new UserInputException("--format pytorch: the transformer mapping needs a Transformer with sinusoidal positions, separate untied embeddings and final norms (--final-norm)");
        var dict = ToPyTorch(model.StateDict());
        SafeTensors.Save(path, dict);
        return dict.Count;
    }
}
