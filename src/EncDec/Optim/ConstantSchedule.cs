namespace EncDec.Optim;

public sealed class ConstantSchedule(double lr) : LrSchedule
{
    public override double LrAt(long step) => lr;
}
