using EncDec.Data; using EncDec.Generation; using EncDec.Models; using EncDec.Pipelines;
using EncDec.Text; using EncDec.Training;

// CTRL-style data: the source is a control code, the target the text it asks for
var texts = new[] { ("<date>", "1998-03-03"), ("<date>", "2001-11-24"), ("<word>", "march"), ("<word>", "november") };
var pairs = Enumerable.Repeat(texts, 200).SelectMany(t => t).Select(t => new SentencePair(t.Item1, t.Item2)).ToList();
var tokenizer = Tokenizer.Train(TokenizerKind.Char, pairs.Select(p => p.Target), 100, controlTokens: new[] { "<date>", "<word>" });
var pipeline = new Seq2SeqPipeline(tokenizer, tokenizer);

// a decoder-only language model: prefix and text share one vocabulary
var config = new ModelConfig { Family = ModelFamily.DecoderOnly, TgtVocabSize = tokenizer.Vocab.Count, DModel = 64, Heads = 4,
                               FeedForward = 128, DecoderLayers = 2 };
DecoderOnlyLm model = ModelFactory.BuildLanguageModel(config);
pipeline.Trainer(model, new TrainerOptions { MaxSteps = 300 }, pairs, batching: new BatcherOptions { BatchSize = 32 }).Train();

// generate a continuation of each control code
var sampler = pipeline.Translator(model, new GenerationOptions { Strategy = DecodingStrategy.Sample, TopK = 5, Seed = 1 });
foreach (var t in sampler.Translate(new[] { "<date>", "<word>" })) Console.WriteLine($"{t.Source} → {t.NBest[0].Text}");
