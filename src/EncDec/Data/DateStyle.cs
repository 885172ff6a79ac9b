namespace EncDec.Data;

/// <summary>The human date formats of <see cref="SyntheticTask.Dates"/>.</summary>
public enum DateStyle
{
    /// <summary>3 March 1998</summary>
    DayMonthYear,
    /// <summary>March 3, 1998</summary>
    MonthDayCommaYear,
    /// <summary>03/03/98 (US order, two-digit year: 50–99 → 19xx, 00–49 → 20xx)</summary>
    UsShort,
    /// <summary>Tuesday, 3 Mar 1998</summary>
    WeekdayDayMonAbbrYear,
    /// <summary>1998.03.03</summary>
    YearDotMonthDotDay,
    /// <summary>3rd of March 1998</summary>
    OrdinalOfMonthYear,
    /// <summary>03-Mar-1998</summary>
    DayDashMonDashYear,
    /// <summary>Mar 3 1998</summary>
    MonDayYear,
    /// <summary>3.3.1998 (European)</summary>
    EuropeanDots,
    /// <summary>Tue Mar 3 1998</summary>
    WeekdayMonDayYear,
    /// <summary>19980303</summary>
    Compact,
}
