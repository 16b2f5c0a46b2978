# Dates, times and file sizes: words shared by every section.

# A file's size: whole kilobytes below 1 MB, else megabytes to a tenth.
size-kilobytes = { $n } KB
size-megabytes = { $n } MB

# A date in the right DD.MM.YYYY shape, but no such day exists (31.02).
date-problem-no-such = there is no such date — check the day and the month.
date-no-such = There is no such date: { $date }. Check the day and the month.

# The reader's zone next to a time: "Moscow time", "MSK+3", "MSK−1".
time-zone-label = { $shift ->
        [0] Moscow time
       *[other] MSK{ $signed }
    }
