using EncDec.Generation; using EncDec.IO;

// a model saved by the first example
var loaded = ModelStore.LoadSeq2Seq("dates.safetensors");
var target = loaded.TargetTokenizer;

// sampling: nucleus + temperature, three draws, every output starts with "19" and never contains "--"
var sampling = new GenerationOptions
{
    Strategy = DecodingStrategy.Sample, NBest = 3, TopP = 0.9f, Temperature = 0.8f, Seed = 7,
    ForcedPrefix = target.Encode("19"), BannedSequences = new[] { target.Encode("--") },
};
foreach (var candidate in new Translator(loaded.Model, loaded.SourceTokenizer, target, sampling).Translate(new[] { "4 July 1976" })[0].NBest)
    Console.WriteLine($"{candidate.Text}  ({candidate.Score:F2})");

// constrained beam search: "-07-" must appear in the output
var constrained = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4, RequiredPhrases = new[] { target.Encode("-07-") } };
Console.WriteLine(new Translator(loaded.Model, loaded.SourceTokenizer, target, constrained).Translate(new[] { "4 July 1976" })[0].NBest[0].Text);
