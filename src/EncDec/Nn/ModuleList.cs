namespace EncDec.Nn;

/// <summary>An indexed list of submodules, named 0, 1, 2… in the state dict.</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items;

    public ModuleList(IEnumerable<T> items) => _items = items.ToList();

    public T this[int index] => _items[index];
    public int Count => _items.Count;
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override IEnumerable<(string Name, Module Module)> Children()
    {
        for (int i = 0; i < _items.Count; i++) yield return (i.ToString(System.Globalization.CultureInfo.InvariantCulture), _items[i]);
    }
}
