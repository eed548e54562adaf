#include "analysis/csv_columns.h"
#include "analysis/drift.h"
#include "cli/cli_common.h"
#include "text/display_text.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <fmt/core.h>

namespace reprise::cli {

namespace {

    struct DatasetChoice {
        RunRecord run;
        DatasetRecord dataset;
    };

    /// RUN or RUN:DATASET; without a dataset name, `preferred` if the run has one, else its first.
    Result<DatasetChoice> chooseDataset(RunStore& store, const QString& spec, const QString& preferred)
    {
        const qsizetype colon = spec.indexOf(u':');
        const QString id = colon < 0 ? spec : spec.left(colon);
        const QString wanted = colon < 0 ? QString() : spec.mid(colon + 1);
        auto run = store.loadRun(id);
        if (!run)
            return run.error();
        if (run->datasets.isEmpty()) {
            return Error { QStringLiteral("run ") + run->uuid.left(8) + QStringLiteral(": no datasets recorded"),
                QStringLiteral(
                    "log one with run.log_dataset(...) or `reprise profile FILE.csv --run RUN --name NAME`") };
        }
        const QString name = !wanted.isEmpty() ? wanted : preferred;
        for (const DatasetRecord& d : run->datasets) {
            if (d.name == name)
                return DatasetChoice { *run, d };
        }
        if (!wanted.isEmpty()) {
            QStringList names;
            for (const DatasetRecord& d : run->datasets)
                names << d.name;
            return Error { QStringLiteral("run ") + run->uuid.left(8) + QStringLiteral(": no dataset '") + wanted
                    + u'\'',
                QStringLiteral("its datasets: ") + names.join(QStringLiteral(", ")) };
        }
        return DatasetChoice { *run, run->datasets.first() };
    }

    QJsonValue number(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(jsonNumber(v)); }

} // namespace

int runDrift(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compares the feature profiles of datasets against a reference, feature by feature, with the tests\n"
        "Evidently uses by default (KS / chi-squared / Z for small references, Wasserstein / Jensen-Shannon\n"
        "for large ones). A dataset drifts when at least --share of its features drift."));
    addDatabaseOption(parser);
    parser.addOption(
        { QStringLiteral("reference"), QStringLiteral("Reference dataset."), QStringLiteral("RUN[:DATASET]") });
    parser.addOption({ QStringLiteral("current"), QStringLiteral("A dataset to compare (repeatable)."),
        QStringLiteral("RUN[:DATASET]") });
    parser.addOption({ QStringLiteral("test"),
        QStringLiteral("Override a feature's test: ks, chisquare, z, wasserstein, jensenshannon, psi (repeatable)."),
        QStringLiteral("FEATURE=TEST") });
    parser.addOption({ QStringLiteral("share"),
        QStringLiteral("Share of drifted features that makes a dataset drift (default 0.5)."), QStringLiteral("S"),
        QStringLiteral("0.5") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("drift"), args, exitCode))
        return exitCode;
    if (!parser.isSet(QStringLiteral("reference")) || !parser.isSet(QStringLiteral("current"))) {
        printError(QStringLiteral("drift: --reference and at least one --current are required"),
            QStringLiteral("reprise drift --reference RUN[:DATASET] --current RUN[:DATASET]..."));
        return Usage;
    }
    DriftOptions options;
    bool ok = false;
    options.datasetShare = parser.value(QStringLiteral("share")).toDouble(&ok);
    if (!ok || options.datasetShare <= 0 || options.datasetShare > 1) {
        printError(QStringLiteral("drift: --share '") + parser.value(QStringLiteral("share"))
                + QStringLiteral("': not a share"),
            QStringLiteral("give a number in (0, 1], e.g. --share 0.5"));
        return Usage;
    }
    for (const QString& pair : parser.values(QStringLiteral("test"))) {
        const qsizetype eq = pair.indexOf(u'=');
        const auto test = eq > 0 ? parseDriftTest(pair.mid(eq + 1)) : std::nullopt;
        if (!test) {
            printError(QStringLiteral("drift: --test '") + pair + QStringLiteral("': expected FEATURE=TEST"),
                QStringLiteral("tests: ks, chisquare, z, wasserstein, jensenshannon, psi"));
            return Usage;
        }
        options.testOverrides.insert(pair.left(eq), *test);
    }
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto reference = chooseDataset(*store, parser.value(QStringLiteral("reference")), QString());
    if (!reference) {
        printError(reference.error());
        return Failure;
    }
    const DriftReference decoded(reference->dataset);
    std::vector<std::pair<DatasetChoice, DatasetDrift>> results;
    for (const QString& spec : parser.values(QStringLiteral("current"))) {
        auto current = chooseDataset(*store, spec, reference->dataset.name);
        if (!current) {
            printError(current.error());
            return Failure;
        }
        DatasetDrift drift = computeDrift(decoded, current->dataset, options);
        drift.label = current->run.name + u':' + current->dataset.name;
        results.emplace_back(*current, std::move(drift));
    }

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray datasets;
        for (const auto& [choice, drift] : results) {
            QJsonArray features;
            for (const FeatureDrift& f : drift.features) {
                QJsonObject o { { QStringLiteral("feature"), f.feature } };
                if (f.ok()) {
                    o.insert(QStringLiteral("test"), toString(f.test));
                    o.insert(QStringLiteral("statistic"), number(f.statistic));
                    o.insert(QStringLiteral("p_value"), f.pValue >= 0 ? number(f.pValue) : QJsonValue());
                    o.insert(QStringLiteral("threshold"), f.threshold);
                    o.insert(QStringLiteral("drifted"), f.drifted);
                    o.insert(QStringLiteral("score"), f.score);
                } else {
                    o.insert(QStringLiteral("problem"), f.problem);
                }
                features.append(o);
            }
            datasets.append(QJsonObject { { QStringLiteral("run"), choice.run.uuid },
                { QStringLiteral("dataset"), choice.dataset.name }, { QStringLiteral("drifted"), drift.drifted },
                { QStringLiteral("drifted_features"), drift.driftedCount },
                { QStringLiteral("tested_features"), drift.testedCount }, { QStringLiteral("features"), features } });
        }
        printJson(QJsonDocument(QJsonObject { { QStringLiteral("reference"),
                                                  QJsonObject { { QStringLiteral("run"), reference->run.uuid },
                                                      { QStringLiteral("dataset"), reference->dataset.name },
                                                      { QStringLiteral("rows"), reference->dataset.rows } } },
            { QStringLiteral("share"), options.datasetShare }, { QStringLiteral("datasets"), datasets } }));
        return Ok;
    }
    // Names come from the database: one line of visible text each.
    auto shown = [](const QString& text) { return visibleText(text).toStdString(); };
    std::string out = fmt::format("reference {}:{} ({} rows)\n\n", shown(reference->run.name),
        shown(reference->dataset.name), reference->dataset.rows);
    for (const auto& [choice, drift] : results) {
        out += fmt::format("{}:{} ({}) — {} of {} features drifted{}\n", shown(choice.run.name),
            shown(choice.dataset.name), shown(choice.run.uuid.left(8)), drift.driftedCount, drift.testedCount,
            drift.drifted ? ": DATASET DRIFT" : "");
        out += fmt::format("  {:<24} {:<14} {:>12} {:>12} {:>10}  {}\n", "FEATURE", "TEST", "STATISTIC", "P-VALUE",
            "THRESHOLD", "DRIFT");
        for (const FeatureDrift& f : drift.features) {
            if (!f.ok()) {
                out += fmt::format("  {:<24} {}\n", shown(f.feature), shown(f.problem));
                continue;
            }
            out += fmt::format("  {:<24} {:<14} {:>12.4g} {:>12} {:>10}  {}\n", shown(f.feature),
                toString(f.test).toStdString(), f.statistic,
                f.pValue >= 0 ? fmt::format("{:.4g}", f.pValue) : std::string("-"), fmt::format("{:g}", f.threshold),
                f.drifted ? "drift" : "-");
        }
        out += '\n';
    }
    printOut(QByteArray::fromStdString(out));
    return Ok;
}

int runProfile(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Profiles a CSV file (header row) and records it as a dataset of a run: per column its type, count,\n"
        "missing values, statistics and a sample of at most 10,000 values, for drift comparisons later."));
    addDatabaseOption(parser);
    parser.addOption(
        { QStringLiteral("run"), QStringLiteral("The run the dataset belongs to."), QStringLiteral("RUN") });
    parser.addOption(
        { QStringLiteral("name"), QStringLiteral("Dataset name (default: the file name)."), QStringLiteral("NAME") });
    parser.addOption(
        { QStringLiteral("role"), QStringLiteral("train, validation, test, production, …"), QStringLiteral("ROLE") });
    parser.addPositionalArgument(
        QStringLiteral("CSVFILE"), QStringLiteral("Comma-separated values with a header row."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("profile"), args, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1 || !parser.isSet(QStringLiteral("run"))) {
        printError(QStringLiteral("profile: expected one CSV file and --run RUN"),
            QStringLiteral("reprise profile data.csv --run RUN --name train --role train"));
        return Usage;
    }
    const QString path = parser.positionalArguments().first();
    auto csv = readCsvColumns(path);
    if (!csv) {
        printError(csv.error());
        return Failure;
    }
    for (const QString& warning : csv->warnings)
        printError(warning);
    auto store = RunStore::open(databasePath(parser), OpenMode::ReadWrite);
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto ref = store->resolveRun(parser.value(QStringLiteral("run")));
    if (!ref) {
        printError(ref.error());
        return Failure;
    }
    DatasetRecord dataset;
    dataset.name = parser.isSet(QStringLiteral("name")) ? parser.value(QStringLiteral("name"))
                                                        : QFileInfo(path).completeBaseName();
    dataset.role = parser.value(QStringLiteral("role"));
    dataset.uri = QFileInfo(path).absoluteFilePath();
    dataset.hash = csv->hash;
    dataset.rows = csv->rows;
    dataset.profiles = profileCsvColumns(*csv);
    if (auto st = store->addDataset(ref->rowId, dataset); !st) {
        printError(st.error());
        return Failure;
    }
    printOut(QStringLiteral("recorded dataset %1 (%2 rows, %3 features) on run %4\n")
                 .arg(visibleText(dataset.name))
                 .arg(csv->rows)
                 .arg(csv->header.size())
                 .arg(ref->uuid.left(8)));
    return Ok;
}

} // namespace reprise::cli
