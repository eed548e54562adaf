// CSV loggers: PyTorch Lightning's CSVLogger (metrics.csv + hparams.yaml, sparse rows) and Keras's
// CSVLogger (epoch column, \r\n line ends, restarts appended to the same file).

#include "import/checked_number.h"
#include "import/simple_yaml.h"
#include "import/source_reader.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <limits>

namespace reprise {

namespace {

    /// RFC 4180 rows: quoted fields with "" escapes; \n, \r\n and \r\r\n all end a row.
    QList<QStringList> parseCsv(const QByteArray& bytes)
    {
        QList<QStringList> rows;
        QStringList row;
        QByteArray field;
        bool quoted = false, fieldStarted = false;
        const auto endField = [&] {
            row << QString::fromUtf8(field);
            field.clear();
            fieldStarted = false;
        };
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            const char c = bytes[i];
            if (quoted) {
                if (c == '"' && i + 1 < bytes.size() && bytes[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field += c;
                }
            } else if (c == '"' && !fieldStarted) {
                quoted = fieldStarted = true;
            } else if (c == ',') {
                endField();
            } else if (c == '\n') {
                endField();
                if (!(row.size() == 1 && row.first().isEmpty()))
                    rows << row;
                row.clear();
            } else if (c != '\r') {
                field += c;
                fieldStarted = true;
            }
        }
        if (fieldStarted || !row.isEmpty()) {
            endField();
            rows << row;
        }
        return rows;
    }

    std::optional<double> readNumber(const QString& text)
    {
        bool ok = false;
        const double v = text.toDouble(&ok);
        if (ok)
            return v;
        const QString lower = text.trimmed().toLower();
        if (lower == QLatin1String("nan"))
            return std::numeric_limits<double>::quiet_NaN();
        if (lower == QLatin1String("inf"))
            return std::numeric_limits<double>::infinity();
        if (lower == QLatin1String("-inf"))
            return -std::numeric_limits<double>::infinity();
        return std::nullopt;
    }

    /// Rows skipped because their step (or epoch) gives no step that fits in 64 bits.
    struct BadSteps {
        qint64 rows = 0;
        QString first; ///< the first such cell, as written
        void add(const QString& cell)
        {
            if (rows++ == 0)
                first = cell;
        }
        void report(const QString& file, const QString& why, ImportedSource& source) const
        {
            if (rows > 0)
                source.problems << ImportProblem { file,
                    QStringLiteral("%1 rows skipped: %2 (the first: '%3')").arg(rows).arg(why, first.left(40)) };
        }
    };

    /// Lightning: the step column orders the points; empty cells were not logged in that row.
    ImportedRun readLightning(const QString& file, const QList<QStringList>& rows, ImportedSource& source)
    {
        ImportedRun r;
        const QStringList header = rows.first();
        const qsizetype stepColumn = header.indexOf(QStringLiteral("step"));
        QMap<QString, MetricHistory> histories;
        qint64 bad = 0;
        BadSteps badSteps;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const QStringList& row = rows[i];
            const QString cell = row.value(stepColumn);
            const std::optional<qint64> step = integerFromText(cell);
            if (!step) {
                if (readNumber(cell))
                    badSteps.add(cell); // a number, but no step: 3e21, 1.5, nan
                else
                    ++bad;
                continue;
            }
            for (qsizetype c = 0; c < header.size() && c < row.size(); ++c) {
                if (c == stepColumn || row[c].isEmpty())
                    continue;
                const auto value = readNumber(row[c]);
                if (!value) {
                    ++bad;
                    continue;
                }
                MetricHistory& h = histories[header[c]];
                h.key = header[c];
                h.steps.push_back(*step);
                h.values.push_back(*value);
            }
        }
        if (bad > 0)
            source.problems << ImportProblem { file, QStringLiteral("%1 unreadable cells skipped").arg(bad) };
        badSteps.report(file, QStringLiteral("their step is not a whole number that fits in 64 bits"), source);
        for (MetricHistory& h : histories) {
            sortHistory(h);
            r.metrics << std::move(h);
        }
        // hparams.yaml beside it: params (PyYAML output, python tags possible).
        const QString hparamsPath = QFileInfo(file).absolutePath() + QStringLiteral("/hparams.yaml");
        if (QFileInfo::exists(hparamsPath)) {
            const YamlDocument yaml = parseYaml(readWholeFile(hparamsPath));
            if (!yaml.error.isEmpty())
                source.problems << ImportProblem { hparamsPath, yaml.error + QStringLiteral("; the rest was read") };
            if (!yaml.unknownTags.isEmpty())
                source.problems << ImportProblem { hparamsPath,
                    QStringLiteral("unknown YAML tags %1: read as plain values").arg(yaml.unknownTags.join(u',')) };
            const QMap<QString, QString> flat = flattenYaml(yaml.root);
            for (auto it = flat.begin(); it != flat.end(); ++it)
                r.run.params.insert(it.key(), ParamValue::infer(*it));
        }
        return r;
    }

    /// Keras: one row per epoch; an appended restart begins again at epoch 0 and continues the steps.
    ImportedRun readKeras(const QString& file, const QList<QStringList>& rows, ImportedSource& source)
    {
        ImportedRun r;
        const QStringList header = rows.first();
        QMap<QString, MetricHistory> histories;
        qint64 offset = 0, previousEpoch = -1, lastStep = -1;
        qint64 bad = 0, restarts = 0;
        BadSteps badEpochs;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const QStringList& row = rows[i];
            if (row == header)
                continue; // a repeated header from a restart written without append
            const std::optional<qint64> epoch = integerFromText(row.value(0));
            if (!epoch && !readNumber(row.value(0))) {
                ++bad;
                continue;
            }
            // An epoch not above the previous one starts a restart that continues after the last step.
            const bool restart = epoch && *epoch <= previousEpoch;
            std::optional<qint64> nextOffset = offset;
            if (restart) {
                const std::optional<qint64> next = checkedSum(lastStep, 1);
                nextOffset = next ? checkedDifference(*next, *epoch) : std::nullopt;
            }
            const std::optional<qint64> step = epoch && nextOffset ? checkedSum(*epoch, *nextOffset) : std::nullopt;
            if (!step) {
                badEpochs.add(row.value(0));
                continue;
            }
            if (restart)
                ++restarts;
            offset = *nextOffset;
            previousEpoch = *epoch;
            lastStep = *step;
            for (qsizetype c = 1; c < header.size() && c < row.size(); ++c) {
                const auto value = readNumber(row[c]);
                if (!value) {
                    if (!row[c].isEmpty())
                        ++bad;
                    continue;
                }
                MetricHistory& h = histories[header[c]];
                h.key = header[c];
                h.steps.push_back(*step);
                h.values.push_back(*value);
            }
        }
        if (bad > 0)
            source.problems << ImportProblem { file, QStringLiteral("%1 unreadable cells skipped").arg(bad) };
        badEpochs.report(file,
            QStringLiteral("their epoch is not a whole number, or the step it continues to does not fit in 64 bits"),
            source);
        if (restarts > 0)
            r.run.tags.insert(QStringLiteral("import.restarts"), QString::number(restarts));
        for (MetricHistory& h : histories)
            r.metrics << std::move(h);
        return r;
    }

} // namespace

Result<ImportedSource> readCsvLogs(const QString& path, const ReadControl& control)
{
    QStringList files;
    if (QFileInfo(path).isFile()) {
        files << QFileInfo(path).absoluteFilePath();
    } else {
        QDirIterator it(path, { QStringLiteral("metrics.csv") }, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
        files.sort();
    }
    if (files.isEmpty())
        return Error { path + QStringLiteral(": no metrics.csv in it"), {} };
    ImportedSource source;
    const QString base = QFileInfo(path).isFile() ? QFileInfo(path).absolutePath() : QFileInfo(path).absoluteFilePath();
    for (qsizetype i = 0; i < files.size(); ++i) {
        if (control.cancelled())
            return Error { QStringLiteral("import cancelled"), {} };
        const QString& file = files[i];
        const QList<QStringList> rows = parseCsv(readWholeFile(file));
        if (rows.isEmpty()) {
            source.problems << ImportProblem { file, QStringLiteral("empty: no header") };
            continue;
        }
        const bool lightning = rows.first().contains(QStringLiteral("step"));
        const bool keras = !lightning && rows.first().value(0) == QLatin1String("epoch");
        if (!lightning && !keras) {
            source.problems << ImportProblem { file,
                QStringLiteral("neither a Lightning nor a Keras CSV log (no step or "
                               "epoch column)") };
            continue;
        }
        source.kind = lightning ? SourceKind::LightningCsv : SourceKind::KerasCsv;
        ImportedRun r = lightning ? readLightning(file, rows, source) : readKeras(file, rows, source);
        const QString folder = QFileInfo(file).absolutePath();
        const QString relative = QDir(base).relativeFilePath(lightning ? folder : file);
        r.run.name = relative == QLatin1String(".") ? QFileInfo(folder).fileName() : relative;
        r.run.project = QFileInfo(base).fileName();
        r.run.kind = QStringLiteral("import");
        r.run.uuid = stableRunId(QStringLiteral("csv:") + QFileInfo(file).canonicalFilePath());
        r.run.startTime = QFileInfo(file).birthTime().isValid() ? QFileInfo(file).birthTime().toSecsSinceEpoch()
                                                                : QFileInfo(file).lastModified().toSecsSinceEpoch();
        r.endTime = double(QFileInfo(file).lastModified().toSecsSinceEpoch());
        r.run.tags.insert(
            QStringLiteral("import.source"), lightning ? QStringLiteral("lightning") : QStringLiteral("keras"));
        source.runs << std::move(r);
        control.report(double(i + 1) / double(files.size()));
    }
    if (source.runs.isEmpty())
        return Error { path + QStringLiteral(": no readable CSV log"), source.problems.value(0).message };
    return source;
}

} // namespace reprise
