using EncDec.Data; using EncDec.Generation; using EncDec.IO; using EncDec.Models;
using EncDec.Pipelines; using EncDec.Text; using EncDec.Training;

// data and tokenizers
var pairs = SyntheticTasks.Generate(SyntheticTask.Dates, 20_000, seed: 1);
var (train, valid) = DataSplit.Split(pairs, validFraction: 0.01, seed: 1);
var pipeline = new Seq2SeqPipeline(Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 1000),
                                   Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Target), 1000));

// one immutable config builds a typed model
var config = new ModelConfig { Family = ModelFamily.Transformer, SrcVocabSize = pipeline.Source.Vocab.Count,
                               TgtVocabSize = pipeline.Target.Vocab.Count, DModel = 128, Heads = 4, FeedForward = 256,
                               EncoderLayers = 2, DecoderLayers = 2 };
EncoderDecoder model = ModelFactory.BuildSeq2Seq(config);

// train; validation reports loss, perplexity, BLEU, chrF and exact match on the held-out pairs
var trainer = pipeline.Trainer(model, new TrainerOptions { MaxSteps = 1500 }, train, valid, new BatcherOptions { BatchSize = 64 });
trainer.Validated += v => Console.WriteLine($"step {v.Step}: loss {v.Loss:F3}, BLEU {v.Bleu:F1}");
trainer.Train();

// save, reload (typed, with its tokenizers), translate
ModelStore.Save("dates.safetensors", model, config, pipeline.Source, pipeline.Target);
LoadedSeq2Seq loaded = ModelStore.LoadSeq2Seq("dates.safetensors");
var translator = new Translator(loaded.Model, loaded.SourceTokenizer, loaded.TargetTokenizer,
                                new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4 });
Console.WriteLine(translator.Translate(new[] { "3rd of March 1998" })[0].NBest[0].Text);   // 1998-03-03
