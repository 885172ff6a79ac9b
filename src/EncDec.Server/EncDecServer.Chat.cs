using System.Diagnostics;
using System.Threading.Channels;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Pipelines;
using Microsoft.AspNetCore.Http;

namespace EncDec.Server;

/// <summary><c>POST /v1/chat</c>: the reply of a dialogue model to a conversation, decoded in the server's batches.</summary>
public sealed partial class EncDecServer
{
    private DialogueModelInfo? _dialogue;
    private int _dialogueChecked;

    /// <summary>The served model's dialogue format and settings, or a 400 when it is not a dialogue model.</summary>
    private DialogueModelInfo Dialogue()
    {
        if (Model is null || _scheduler is null) throw new RequestException(404, "no model is served (start the server with --model)");
        if (Interlocked.Exchange(ref _dialogueChecked, 1) == 0)
        {
            DialogueSettings? settings = null;
            if (Model.Info.Path is { } path)
                try { settings = DialogueSettings.TryLoad(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", DialogueSettings.FileName)); }
                catch (UserInputException) { settings = null; }
            var format = DialogueFormat.TryFromTokenizer(Model.Source, settings?.ContextTokens ?? 256);
            if (format is not null)
            {
                settings ??= new DialogueSettings(format.ContextTokens, format.Speakers[0], format.Speakers[Math.Min(1, format.Speakers.Count - 1)]);
                Volatile.Write(ref _dialogue, new DialogueModelInfo(format, settings));
            }
        }
        return Volatile.Read(ref _dialogue) ?? throw new RequestException(400, $"the served model {Model.Name} is not a dialogue model (its vocabulary has no <|speaker|> tokens)");
    }

    private sealed record DialogueModelInfo(DialogueFormat Format, DialogueSettings Settings)
    {
        /// <summary>A message role as a speaker of the model: its own name, or user/assistant for the chat's two speakers.</summary>
        public string Speaker(string role, string field) =>
            Format.HasSpeaker(role) ? role
            : role == "user" ? Settings.User
            : role == "assistant" ? Settings.Bot
            : throw new RequestException(400, $"field '{field}': '{role}' is not a speaker of the model (speakers: {string.Join(", ", Format.Speakers)}; user and assistant map to {Settings.User} and {Settings.Bot})");
    }

    private async Task Chat(HttpContext ctx)
    {
        var dialogue = Dialogue();
        var body = await ReadBody(ctx).ConfigureAwait(false);
        var req = ChatRequest.Parse(body, Settings);
        var history = req.Messages.Select((m, i) => new DialogueTurn(dialogue.Speaker(m.Speaker, $"messages[{i}].role"), m.Text)).ToList();
        string speaker = req.Speaker is null ? dialogue.Settings.Bot : dialogue.Speaker(req.Speaker, "speaker");
        var source = dialogue.Format.Source(history, speaker);
        bool sample = req.Temperature is > 0;
        var options = DialogueModel.DefaultOptions with
        {
            Strategy = sample ? DecodingStrategy.Sample : DecodingStrategy.Greedy,
            Temperature = sample ? req.Temperature!.Value : 1f,
            TopK = req.TopK ?? 0, TopP = req.TopP ?? 1f, Seed = req.Seed ?? 0,
            MaxLength = req.MaxLength ?? Math.Min(64, Settings.MaxOutputLength),
        };
        var sw = Stopwatch.StartNew();
        var tokens = req.Stream ? Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true }) : null;
        // the dialogue format has encoded the conversation: the job carries those ids (and no text of its own)
        var job = new DecodeJob([new EncodedTranslationRequest("", source, options)], ServedModel.BatchKey(options), tokens is null ? null : (_, e) => tokens.Writer.TryWrite(e.Token));
        if (!_scheduler!.TryEnqueue(job))
        {
            ctx.Items["retry_after"] = Settings.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new RequestException(503, $"the queue is full ({Settings.QueueCapacity} requests waiting, queue_size); retry later");
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        cts.CancelAfter(Settings.RequestTimeoutMs);
        byte[] Done(DecodeOutcome outcome) => ResponseJson.Write(w =>
        {
            var best = outcome.Results[0].NBest.Count > 0 ? outcome.Results[0].NBest[0] : null;
            w.WriteStartObject();
            w.WriteString("reply", best?.Text ?? "");
            w.WriteString("speaker", speaker);
            w.WriteNumber("tokens", best?.Tokens.Length ?? 0);
            w.WriteNumber("context_tokens", source.Length);
            w.WriteNumber("decode_ms", Math.Round(sw.Elapsed.TotalMilliseconds, 1));
            w.WriteEndObject();
        });
        if (tokens is null)
        {
            DecodeOutcome outcome;
            try { outcome = await job.Completion.Task.WaitAsync(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { job.Abandon(); if (ctx.RequestAborted.IsCancellationRequested) return; throw TimedOut(); }
            await WriteJson(ctx, 200, Done(outcome)).ConfigureAwait(false);
            return;
        }
        _ = job.Completion.Task.ContinueWith(_ => tokens.Writer.TryComplete(), TaskScheduler.Default);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        var sofar = new List<int>();
        try
        {
            await foreach (int token in tokens.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                if (token == options.EosId) continue;
                sofar.Add(token);
                await Sse(ctx, "token", TokenJson(0, 0, sofar.Count - 1, token, sofar)).ConfigureAwait(false);
            }
            var outcome = await job.Completion.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            await Sse(ctx, "done", Done(outcome)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            job.Abandon();
            if (!ctx.RequestAborted.IsCancellationRequested) await Sse(ctx, "error", ResponseJson.Error(TimedOut().Message)).ConfigureAwait(false);
        }
    }
}
