#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QByteArray>
#include <QStringList>
#include <vector>

namespace reprise {

/// A CSV file with a header row, read column by column (the input of `reprise profile`).
struct CsvColumns {
    QStringList header; ///< the first record: one name per column
    std::vector<QStringList> columns; ///< one list per header field, `rows` values each, as written
    qint64 rows = 0; ///< data records; blank lines are not rows
    QString hash; ///< "sha256:HEX" of the file's bytes
    QStringList warnings; ///< problems that did not stop the reading, each naming the file
};

/// Parses `bytes` as RFC 4180 CSV (quoted fields may hold commas, line breaks and doubled quotes;
/// LF, CRLF or CR line ends) with a header row. `path` only names the file in messages. Bytes that are
/// not UTF-8 are replaced by U+FFFD, with a warning. Errors: an empty file, or a record whose field
/// count differs from the header's ("PATH:LINE: N fields, but the header has M", LINE being the line
/// the record starts on). Pure; any thread.
Result<CsvColumns> parseCsvColumns(const QByteArray& bytes, const QString& path);

/// Reads the file at `path` whole and parses it as parseCsvColumns() does; an error naming the file
/// when it cannot be read. Any thread.
Result<CsvColumns> readCsvColumns(const QString& path);

/// One feature profile per column: values are trimmed; "", NA, N/A, nan, NaN, null, NULL and None
/// count as missing; a column whose every present value is a number is numeric, else categorical.
QList<FeatureProfile> profileCsvColumns(const CsvColumns& csv);

} // namespace reprise
