namespace LivePoll.LoadTests.Measurement;

/// <summary>
/// An open-model arrival schedule: the rate climbs linearly to its target over the ramp-up, holds, and falls
/// back over the ramp-down. <see cref="DueBy"/> is how many arrivals should have happened after a time,
/// whatever the server's speed: a slow server does not slow the arrivals.
/// </summary>
public sealed record RateProfile(double Rate, TimeSpan RampUp, TimeSpan Hold, TimeSpan RampDown)
{
    public TimeSpan Duration => RampUp + Hold + RampDown;

    public long Total => DueBy(Duration);

    public long DueBy(TimeSpan elapsed)
    {
        var t = Math.Clamp(elapsed.TotalSeconds, 0, Duration.TotalSeconds);
        double up = RampUp.TotalSeconds, hold = Hold.TotalSeconds, down = RampDown.TotalSeconds;
        double n;
        if (t <= up)
        {
            n = up == 0 ? 0 : Rate * t * t / (2 * up);
        }
        else if (t <= up + hold)
        {
            n = Rate * up / 2 + Rate * (t - up);
        }
        else
        {
            var d = t - up - hold;
            n = Rate * up / 2 + Rate * hold + (down == 0 ? 0 : Rate * d - Rate * d * d / (2 * down));
        }
        return (long)Math.Floor(n);
    }
}
