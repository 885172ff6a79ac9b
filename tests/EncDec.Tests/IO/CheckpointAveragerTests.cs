using EncDec.IO;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.IO;

public sealed class CheckpointAveragerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private int _saved;
    public void Dispose() => _dir.Dispose();

    private string Save(string name, params (string Key, float[] Values, int[] Shape)[] tensors)
    {
        var path = _dir.File(name);
        new Checkpoint
        {
            Model = tensors.ToDictionary(t => t.Key, t => Tensor.FromArray(t.Values, t.Shape)),
            ConfigJson = "{\"d_model\":2}",
            Vocabularies = new Dictionary<string, string> { ["source"] = "{}" },
            GlobalStep = ++_saved,   // 1, 2, 3… in the order of saving
        }.Save(path);
        return path;
    }

    [Fact]
    public void IdenticalCheckpoints_AverageToTheSameWeights()
    {
        float[] w = [0.1f, -3.25f, 1e-7f, 123456.7f, float.Epsilon, -0.3f];
        var paths = Enumerable.Range(0, 3).Select(i => Save($"c{i}.safetensors", ("w", w, [2, 3]), ("b", [0.7f], [1]))).ToList();
        var avg = CheckpointAverager.Average(paths);
        Assert.Equal(w, avg["w"].ToArray());
        Assert.Equal([2, 3], avg["w"].Shape);
        Assert.Equal([0.7f], avg["b"].ToArray());
    }

    [Fact]
    public void TwoCheckpoints_AverageToTheirMean_AndTheFileLoadsAsAModel()
    {
        var a = Save("a.safetensors", ("w", [1f, 2f, -4f, 0.1f], [4]));
        var b = Save("bb.safetensors", ("w", [3f, 2f, 4f, 0.2f], [4]));
        Assert.Equal([2f, 2f, 0f, (float)((0.1f + (double)0.2f) / 2)], CheckpointAverager.Average([a, b])["w"].ToArray());
        var output = _dir.File("avg.safetensors");
        CheckpointAverager.AverageToFile([a, b], output);
        var loaded = Checkpoint.Load(output);
        Assert.Equal([2f, 2f, 0f, (float)((0.1f + (double)0.2f) / 2)], loaded.Model["w"].ToArray());
        Assert.Equal("{\"d_model\":2}", loaded.ConfigJson);
        Assert.Equal(2, loaded.GlobalStep);          // the last checkpoint's step
        Assert.Null(loaded.Optimizer);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void MismatchedShapesOrNames_AreOneLineErrorsNamingTheFile()
    {
        var a = Save("a.safetensors", ("w", [1f, 2f], [2]));
        var shape = Save("shape.safetensors", ("w", [1f, 2f], [1, 2]));
        var name = Save("name.safetensors", ("v", [1f, 2f], [2]));
        var e = Assert.Throws<UserInputException>(() => CheckpointAverager.Average([a, shape]));
        Assert.Equal($"{shape}: tensor 'w' has shape (1, 2) but (2) in {a}; only checkpoints of the same model can be averaged", e.Message);
        e = Assert.Throws<UserInputException>(() => CheckpointAverager.Average([a, name]));
        Assert.StartsWith($"{name}: tensor 'v' is not in {a}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
