using System.Globalization;

namespace WorkflowControl.Core.Workflows;

/// <summary>
/// A five-field cron expression in the grammar both Airflow 2.10 and 3.x accept (their croniter), and nothing more:
/// numbers, month and weekday names, <c>*</c>, ranges <c>a-b</c>, steps <c>*/n</c> and <c>a-b/n</c>, and lists.
/// Day of month and day of week combine as croniter does: when both are restricted, a day matching either fires.
/// </summary>
public sealed class CronSchedule
{
    private static readonly Field[] Fields =
    [
        new("minute", 0, 59, null),
        new("hour", 0, 23, null),
        new("day-of-month", 1, 31, null),
        new("month", 1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        new("day-of-week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ];

    private static readonly int[] DaysInMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    private readonly bool[][] _allowed;

    private CronSchedule(bool[][] allowed)
    {
        _allowed = allowed;
        DayOfMonthRestricted = allowed[2].Skip(1).Any(a => !a);
        DayOfWeekRestricted = allowed[4].Any(a => !a);
    }

    /// <summary>True unless every day of the month is allowed (croniter treats a field that covers all values as <c>*</c>).</summary>
    public bool DayOfMonthRestricted { get; }

    public bool DayOfWeekRestricted { get; }

    /// <summary>The schedule, or why the expression is refused (its <c>Schedule</c> is then null).</summary>
    public static (CronSchedule? Schedule, string? Problem) Parse(string expression)
    {
        if (expression.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
        {
            return (null, "Separate the five fields with spaces only.");
        }

        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 6 or 7)
        {
            return (null, $"It has {parts.Length} fields; Airflow's schedules have five (minute hour day-of-month month day-of-week), without seconds or years.");
        }

        if (parts.Length != 5)
        {
            return (null, "It is not a five-field cron expression (minute hour day-of-month month day-of-week).");
        }

        var allowed = new bool[5][];
        for (var i = 0; i < 5; i++)
        {
            var (values, problem) = Fields[i].Parse(parts[i]);
            if (problem is not null)
            {
                return (null, $"The {Fields[i].Name} field '{parts[i]}': {problem}");
            }

            allowed[i] = values!;
        }

        var schedule = new CronSchedule(allowed);
        return schedule.NeverFires()
            ? (null, "It never fires: no month it names has the day of the month it names.")
            : (schedule, null);
    }

    /// <summary>Whether a run is due on this calendar day (in the schedule's time zone).</summary>
    public bool MatchesDay(DateOnly day)
    {
        if (!_allowed[3][day.Month])
        {
            return false;
        }

        var byMonthDay = _allowed[2][day.Day];
        var byWeekDay = _allowed[4][(int)day.DayOfWeek];
        return DayOfMonthRestricted && DayOfWeekRestricted ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
    }

    /// <summary>The times of day a run is due on a matching day, in order.</summary>
    public IEnumerable<TimeOnly> TimesOfDay()
    {
        for (var hour = 0; hour < 24; hour++)
        {
            if (!_allowed[1][hour])
            {
                continue;
            }

            for (var minute = 0; minute < 60; minute++)
            {
                if (_allowed[0][minute])
                {
                    yield return new TimeOnly(hour, minute);
                }
            }
        }
    }

    /// <summary>With the weekday unrestricted, a run needs a named day that exists in a named month (29 February counts).</summary>
    private bool NeverFires()
    {
        if (DayOfWeekRestricted)
        {
            return false; // alone, or either-or with the day of month: some weekday always comes
        }

        for (var month = 1; month <= 12; month++)
        {
            for (var day = 1; _allowed[3][month] && day <= DaysInMonth[month]; day++)
            {
                if (_allowed[2][day])
                {
                    return false;
                }
            }
        }

        return true;
    }

    private sealed record Field(string Name, int Min, int Max, string[]? Names)
    {
        private bool IsWeekday => Names is { Length: 7 };

        /// <summary>Allowed values indexed by value (day of week 7 folds into 0, Sunday).</summary>
        public (bool[]? Values, string? Problem) Parse(string text)
        {
            var values = new bool[Max + 1];
            foreach (var item in text.Split(','))
            {
                if (ParseItem(item, values) is { } problem)
                {
                    return (null, problem);
                }
            }

            if (IsWeekday)
            {
                values[0] |= values[7];
                Array.Resize(ref values, 7);
            }

            return (values, null);
        }

        private string? ParseItem(string item, bool[] values)
        {
            if (item.Length == 0)
            {
                return "a list has an empty item.";
            }

            if (Unsupported(item) is { } unsupported)
            {
                return unsupported;
            }

            var slash = item.Split('/');
            if (slash.Length > 2)
            {
                return $"'{item}' has more than one step.";
            }

            var step = 1;
            var largestStep = (IsWeekday ? 6 : Max) - Min;
            if (slash.Length == 2 && (!TryNumber(slash[1], out step) || step < 1 || step > largestStep))
            {
                return $"the step in '{item}' must be a whole number from 1 to {largestStep}.";
            }

            int from, to;
            if (slash[0] == "*")
            {
                (from, to) = (Min, IsWeekday ? 6 : Max);
            }
            else
            {
                var dash = slash[0].Split('-');
                if (dash.Length > 2 || !TryValue(dash[0], out from) || !TryValue(dash[^1], out to))
                {
                    return $"'{slash[0]}' is not {(Names is null ? "a number" : "a number or name")} from {Min} to {Max}{(dash.Length == 2 ? " on each side of the range" : "")}.";
                }

                if (dash.Length == 1 && slash.Length == 2)
                {
                    return $"a step needs a range or '*' before it ('{item}' would read differently in Airflow's versions); write '{dash[0]}-{Max}/{slash[1]}'.";
                }

                if (from > to)
                {
                    return $"the range '{slash[0]}' runs backwards; ranges go from the smaller value to the larger.";
                }
            }

            for (var v = from; v <= to; v += step)
            {
                values[v] = true;
            }

            return null;
        }

        private bool TryValue(string text, out int value)
        {
            if (TryNumber(text, out value))
            {
                return value >= Min && value <= Max;
            }

            var index = Names is null ? -1 : Array.FindIndex(Names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            value = index + (Names is { Length: 12 } ? 1 : 0);
            return index >= 0;
        }

        private static bool TryNumber(string text, out int value)
        {
            value = -1;
            return text.Length is > 0 and <= 2 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        private static string? Unsupported(string item)
        {
            var upper = item.ToUpperInvariant();
            return upper switch
            {
                _ when upper.Contains('?', StringComparison.Ordinal) => "'?' is not supported; use '*'.",
                _ when upper.Contains('#', StringComparison.Ordinal) => "'#' (the nth weekday of the month) is not supported by every Airflow version.",
                _ when upper.StartsWith('H') => "'H' (hashed values) is not supported by every Airflow version; choose the values.",
                _ when upper.Contains('L', StringComparison.Ordinal) && !IsName(upper) => "'L' (last day) is not supported by every Airflow version.",
                _ when upper.Contains('W', StringComparison.Ordinal) && !IsName(upper) => "'W' (nearest weekday) is not supported by every Airflow version.",
                _ => null,
            };
        }

        /// <summary>Month and weekday names contain L and W themselves (jul, wed): only names, ranges and steps of names are allowed.</summary>
        private static bool IsName(string upper) =>
            upper.Split('/')[0].Split('-').All(part => part.Length == 3 && part.All(char.IsAsciiLetter) && !part.StartsWith('H'));
    }
}
