namespace EncDec.Nn;

/// <summary>Element-wise function of a vanilla RNN, as <c>nn.RNN(nonlinearity=…)</c>.</summary>
public enum RnnNonlinearity { Tanh, Relu }
