// Drift per feature: Evidently's default test choice, and every bad input explained, never a number.

#include "analysis/csv_columns.h"
#include "analysis/drift.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace reprise;

namespace {

DatasetRecord dataset(qint64 rows, QList<FeatureProfile> profiles)
{
    DatasetRecord d;
    d.name = QStringLiteral("data");
    d.rows = rows;
    d.profiles = std::move(profiles);
    return d;
}

std::vector<double> normal(int n, double mean, double sd, quint32 seed)
{
    std::vector<double> out;
    quint32 x = seed;
    auto uniform = [&x] {
        x = x * 1664525u + 1013904223u;
        return (double(x) + 1.0) / 4294967297.0;
    };
    for (int i = 0; i < n; ++i)
        out.push_back(mean + sd * std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()));
    return out;
}

QStringList repeat(const QStringList& list, int times)
{
    QStringList out;
    for (int i = 0; i < times; ++i)
        out += list;
    return out;
}

const FeatureDrift& feature(const DatasetDrift& d, const char* name)
{
    for (const FeatureDrift& f : d.features) {
        if (f.feature == QLatin1String(name))
            return f;
    }
    static FeatureDrift none;
    return none;
}

} // namespace

class TestDrift : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultTest_data();
    void defaultTest();
    void numericDriftIsDetected();
    void categoricalDriftIsDetected();
    void badInputIsExplained();
    void datasetShareAndOverrides();
    void csvColumns_data();
    void csvColumns();
    void csvColumnsFromFiles();
    void csvColumnsProfiles();
};

void TestDrift::defaultTest_data()
{
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<bool>("numeric");
    QTest::addColumn<int>("distinct");
    QTest::addColumn<QString>("test");
    QTest::newRow("small numeric, many values") << qint64(1000) << true << 6 << "ks";
    QTest::newRow("small numeric, 5 values") << qint64(1000) << true << 5 << "chisquare";
    QTest::newRow("small numeric, 2 values") << qint64(500) << true << 2 << "z";
    QTest::newRow("small categorical, 3 categories") << qint64(10) << false << 3 << "chisquare";
    QTest::newRow("small categorical, 2 categories") << qint64(1000) << false << 2 << "z";
    QTest::newRow("large numeric, many values") << qint64(1001) << true << 6 << "wasserstein";
    QTest::newRow("large numeric, 5 values") << qint64(5000) << true << 5 << "jensenshannon";
    QTest::newRow("large categorical") << qint64(100000) << false << 40 << "jensenshannon";
    QTest::newRow("large categorical, 2 categories") << qint64(2000) << false << 2 << "jensenshannon";
}

void TestDrift::defaultTest()
{
    QFETCH(qint64, rows);
    QFETCH(bool, numeric);
    QFETCH(int, distinct);
    QFETCH(QString, test);
    const DriftTest chosen = defaultDriftTest(rows, numeric, distinct);
    QCOMPARE(toString(chosen), test);
    QCOMPARE(defaultThreshold(chosen), isPValueTest(chosen) ? 0.05 : 0.1);
    QCOMPARE(parseDriftTest(test), std::optional<DriftTest>(chosen));
}

void TestDrift::numericDriftIsDetected()
{
    const DatasetRecord reference = dataset(800, { profileNumeric("x", normal(800, 0, 1, 1), 0) });
    const DatasetDrift same = computeDrift(reference, dataset(900, { profileNumeric("x", normal(900, 0, 1, 2), 0) }));
    const DatasetDrift moved
        = computeDrift(reference, dataset(900, { profileNumeric("x", normal(900, 0.8, 1, 3), 0) }));
    QCOMPARE(toString(feature(same, "x").test), QStringLiteral("ks"));
    QVERIFY(!feature(same, "x").drifted);
    QVERIFY(feature(same, "x").score < 0.5);
    QVERIFY(feature(moved, "x").drifted);
    QVERIFY(feature(moved, "x").pValue < 1e-10);
    QCOMPARE(feature(moved, "x").score, 1.0);
    // A large reference: normalised Wasserstein, about the shift in standard deviations.
    const DatasetRecord big = dataset(50000, { profileNumeric("x", normal(5000, 0, 1, 4), 0) });
    const DatasetDrift shifted = computeDrift(big, dataset(5000, { profileNumeric("x", normal(5000, 0.5, 1, 5), 0) }));
    QCOMPARE(toString(feature(shifted, "x").test), QStringLiteral("wasserstein"));
    QVERIFY(std::abs(feature(shifted, "x").statistic - 0.5) < 0.06);
    QVERIFY(feature(shifted, "x").drifted);
}

void TestDrift::categoricalDriftIsDetected()
{
    const QStringList before = repeat(QStringList { "a", "b", "c" }, 100);
    const QStringList after = repeat(QStringList { "a", "a", "a", "b", "c" }, 60);
    const DatasetDrift d = computeDrift(
        dataset(300, { profileCategorical("k", before, 0) }), dataset(300, { profileCategorical("k", after, 0) }));
    QCOMPARE(toString(feature(d, "k").test), QStringLiteral("chisquare"));
    QVERIFY(feature(d, "k").drifted);
    // A category the reference never had: infinitely unlikely, p = 0.
    const DatasetDrift fresh = computeDrift(dataset(300, { profileCategorical("k", before, 0) }),
        dataset(300, { profileCategorical("k", before + QStringList { "new" }, 0) }));
    QCOMPARE(feature(fresh, "k").pValue, 0.0);
    QVERIFY(feature(fresh, "k").drifted);
    // Two categories: the Z-test; a third one appearing still counts against the main one.
    const QStringList yesNo = repeat(QStringList { "yes", "no", "no" }, 100);
    const DatasetDrift z = computeDrift(dataset(300, { profileCategorical("flag", yesNo, 0) }),
        dataset(300, { profileCategorical("flag", repeat(QStringList { "yes", "maybe", "maybe" }, 100), 0) }));
    QCOMPARE(toString(feature(z, "flag").test), QStringLiteral("z"));
    QVERIFY(feature(z, "flag").drifted);
}

void TestDrift::badInputIsExplained()
{
    const DatasetRecord reference = dataset(500,
        {
            profileNumeric("only_here", normal(500, 0, 1, 6), 0),
            profileNumeric("empty_here", normal(500, 0, 1, 7), 0),
            profileNumeric("constant", std::vector<double>(500, 3.0), 0),
            profileNumeric("mixed", normal(500, 0, 1, 8), 0),
            profileNumeric("all_missing_ref", {}, 500),
        });
    const DatasetRecord current = dataset(400,
        {
            profileNumeric("empty_here", {}, 400),
            profileNumeric("constant", std::vector<double>(400, 3.0), 0),
            profileCategorical("mixed", repeat(QStringList { "x", "y" }, 200), 0),
            profileNumeric("all_missing_ref", normal(400, 0, 1, 9), 0),
            profileNumeric("new_here", normal(400, 0, 1, 10), 0),
        });
    const DatasetDrift d = computeDrift(reference, current);
    QCOMPARE(feature(d, "only_here").problem, QStringLiteral("not in this dataset"));
    QCOMPARE(feature(d, "empty_here").problem, QStringLiteral("every value is missing here"));
    QCOMPARE(feature(d, "all_missing_ref").problem, QStringLiteral("every reference value is missing"));
    QCOMPARE(feature(d, "new_here").problem, QStringLiteral("not in the reference"));
    // A constant column is compared, not divided by zero: no drift, a finite statistic.
    const FeatureDrift& constant = feature(d, "constant");
    QVERIFY(constant.ok());
    QVERIFY(std::isfinite(constant.statistic));
    QVERIFY(!constant.drifted);
    // Numeric on one side, categorical on the other: compared as categories.
    const FeatureDrift& mixed = feature(d, "mixed");
    QVERIFY2(mixed.ok(), qPrintable(mixed.problem));
    QVERIFY(mixed.drifted);
    for (const FeatureDrift& f : d.features)
        QVERIFY(f.ok() || !f.drifted);
    QCOMPARE(d.testedCount, 2);
    // Corrupt stored samples are explained too.
    FeatureProfile broken = profileNumeric("x", { 1, 2, 3 }, 0);
    broken.sampleValues.chop(3); // not a whole number of float64 values
    const DatasetDrift corrupt = computeDrift(dataset(3, { broken }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) }));
    QVERIFY(corrupt.features[0].problem.contains(QStringLiteral("unusable")));
    QVERIFY(corrupt.features[0].problem.contains(QStringLiteral("whole number of values")));
    // Samples of schema 1 and 2 were JSON text: still read, and explained when broken.
    FeatureProfile legacy = profileNumeric("x", { 1, 2, 3 }, 0);
    legacy.sampleValues.clear();
    legacy.sampleJson = QStringLiteral("[1, 2, 3]");
    QVERIFY(computeDrift(dataset(3, { legacy }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) })).features[0].ok());
    legacy.sampleJson = QStringLiteral("{not json");
    QVERIFY(computeDrift(dataset(3, { legacy }), dataset(3, { profileNumeric("x", { 1, 2 }, 0) }))
                .features[0]
                .problem.contains(QStringLiteral("not a JSON array")));
    // An empty dataset.
    const DatasetDrift none
        = computeDrift(dataset(0, { profileNumeric("x", {}, 0) }), dataset(0, { profileNumeric("x", {}, 0) }));
    QCOMPARE(none.features[0].problem, QStringLiteral("the reference has no rows"));
    QVERIFY(!none.drifted);
}

void TestDrift::datasetShareAndOverrides()
{
    const DatasetRecord reference = dataset(600,
        { profileNumeric("a", normal(600, 0, 1, 11), 0), profileNumeric("b", normal(600, 0, 1, 12), 0),
            profileNumeric("c", normal(600, 0, 1, 13), 0) });
    const DatasetRecord current = dataset(600,
        { profileNumeric("a", normal(600, 2, 1, 14), 0), profileNumeric("b", normal(600, 0, 1, 15), 0),
            profileNumeric("c", normal(600, 0, 1, 16), 0) });
    const DatasetDrift d = computeDrift(reference, current);
    QCOMPARE(d.driftedCount, 1);
    QVERIFY(!d.drifted); // 1 of 3 < 50 %
    DriftOptions loose;
    loose.datasetShare = 0.3;
    QVERIFY(computeDrift(reference, current, loose).drifted);
    DriftOptions psi;
    psi.testOverrides.insert(QStringLiteral("a"), DriftTest::Psi);
    const DatasetDrift withPsi = computeDrift(reference, current, psi); // the reference below points into it
    const FeatureDrift& a = feature(withPsi, "a");
    QCOMPARE(toString(a.test), QStringLiteral("psi"));
    QVERIFY(a.drifted);
    QCOMPARE(a.pValue, -1.0);
    DriftOptions wrong;
    wrong.testOverrides.insert(QStringLiteral("a"), DriftTest::KolmogorovSmirnov);
    const DatasetDrift withWrongTest = computeDrift(reference, current, wrong);
    const FeatureDrift& fine = feature(withWrongTest, "a");
    QVERIFY(fine.ok());
    const DatasetDrift cat = computeDrift(dataset(10, { profileCategorical("k", { "x", "y" }, 0) }),
        dataset(10, { profileCategorical("k", { "x", "y" }, 0) }), wrong);
    Q_UNUSED(cat);
    DriftOptions ksOnText;
    ksOnText.testOverrides.insert(QStringLiteral("k"), DriftTest::KolmogorovSmirnov);
    const DatasetDrift refused = computeDrift(dataset(10, { profileCategorical("k", { "x", "y" }, 0) }),
        dataset(10, { profileCategorical("k", { "x", "y" }, 0) }), ksOnText);
    QVERIFY(refused.features[0].problem.contains(QStringLiteral("needs numbers")));
}

void TestDrift::csvColumns_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("header");
    QTest::addColumn<QList<QStringList>>("columns");
    QTest::addColumn<QString>("error"); // the whole message, or empty
    QTest::addColumn<bool>("warned"); // "not valid UTF-8"

    using Cols = QList<QStringList>;
    QTest::newRow("plain") << QByteArray("a,b\n1,2\n3,4\n") << QStringList { "a", "b" }
                           << Cols { { "1", "3" }, { "2", "4" } } << QString() << false;
    QTest::newRow("no final line break, CRLF") << QByteArray("a,b\r\n1,2\r\n3,4") << QStringList { "a", "b" }
                                               << Cols { { "1", "3" }, { "2", "4" } } << QString() << false;
    QTest::newRow("old Mac line ends") << QByteArray("a\r1\r2\r") << QStringList { "a" } << Cols { { "1", "2" } }
                                       << QString() << false;
    QTest::newRow("quoted comma") << QByteArray("name,n\n\"Smith, J.\",1\n") << QStringList { "name", "n" }
                                  << Cols { { "Smith, J." }, { "1" } } << QString() << false;
    QTest::newRow("quoted line break") << QByteArray("note,n\n\"two\nlines\",1\n\"three\r\nmore\nlines\",2\n")
                                       << QStringList { "note", "n" }
                                       << Cols { { "two\nlines", "three\r\nmore\nlines" }, { "1", "2" } } << QString()
                                       << false;
    QTest::newRow("doubled quotes") << QByteArray("q\n\"say \"\"hi\"\"\"\n\"\"\"\"\n\"\"\n") << QStringList { "q" }
                                    << Cols { { "say \"hi\"", "\"" } } << QString() << false;
    QTest::newRow("quoted header, empty fields")
        << QByteArray("\"a,1\",b\n,\n") << QStringList { "a,1", "b" } << Cols { { "" }, { "" } } << QString() << false;
    QTest::newRow("blank lines are not rows")
        << QByteArray("a\n1\n\n\n2\n\n") << QStringList { "a" } << Cols { { "1", "2" } } << QString() << false;
    QTest::newRow("too many fields") << QByteArray("a,b\n1,2\n3,4,5\n") << QStringList() << Cols()
                                     << QString("f.csv:3: 3 fields, but the header has 2") << false;
    QTest::newRow("too few fields, after a blank line") << QByteArray("a,b\n1,2\n\n3\n") << QStringList() << Cols()
                                                        << QString("f.csv:4: 1 fields, but the header has 2") << false;
    // The line is where the record starts in the file, counting line breaks inside quotes.
    QTest::newRow("wrong count after a quoted line break")
        << QByteArray("a,b\n\"x\ny\",1\n\"p\r\nq\",2,3\n") << QStringList() << Cols()
        << QString("f.csv:4: 3 fields, but the header has 2") << false;
    QTest::newRow("a comma outside quotes") << QByteArray("city,n\nLima, Peru,3\n") << QStringList() << Cols()
                                            << QString("f.csv:2: 3 fields, but the header has 2") << false;
    QTest::newRow("empty file") << QByteArray() << QStringList() << Cols()
                                << QString("f.csv: empty file, no header row") << false;
    QTest::newRow("blank first line") << QByteArray(" \na\n1\n") << QStringList() << Cols()
                                      << QString("f.csv: empty file, no header row") << false;
    QTest::newRow("not UTF-8") << QByteArray("city\nM\xfcnchen\nOslo\n") << QStringList { "city" }
                               << Cols { { QStringLiteral("M\uFFFDnchen"), "Oslo" } } << QString() << true;
    QTest::newRow("UTF-8") << QByteArray("city\nM\xc3\xbcnchen\n") << QStringList { "city" }
                           << Cols { { QStringLiteral("M\u00FCnchen") } } << QString() << false;
}

void TestDrift::csvColumns()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, header);
    QFETCH(QList<QStringList>, columns);
    QFETCH(QString, error);
    QFETCH(bool, warned);

    const Result<CsvColumns> csv = parseCsvColumns(bytes, QStringLiteral("f.csv"));
    if (!error.isEmpty()) {
        QVERIFY(!csv);
        QCOMPARE(csv.error().message, error);
        QVERIFY(!csv.error().hint.isEmpty());
        if (error.contains(QStringLiteral("fields")))
            QCOMPARE(csv.error().hint,
                QStringLiteral("fix that row (quote fields that contain commas); nothing was recorded"));
        return;
    }
    QVERIFY2(csv, qPrintable(csv ? QString() : csv.error().message));
    QCOMPARE(csv->header, header);
    QCOMPARE(qsizetype(csv->columns.size()), columns.size());
    for (qsizetype c = 0; c < columns.size(); ++c)
        QCOMPARE(csv->columns[size_t(c)], columns[c]);
    QCOMPARE(csv->rows, qint64(columns.first().size()));
    QCOMPARE(csv->warnings.size(), warned ? 1 : 0);
    if (warned)
        QCOMPARE(
            csv->warnings.first(), QStringLiteral("f.csv: not valid UTF-8; undecodable bytes are replaced by U+FFFD"));
    QCOMPARE(csv->hash,
        QStringLiteral("sha256:")
            + QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
}

void TestDrift::csvColumnsFromFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("data.csv"));
    const QByteArray bytes = "x,label\n1.5,\"a, b\"\n2,c\n";
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bytes), bytes.size());
    }
    const Result<CsvColumns> read = readCsvColumns(path);
    QVERIFY(read);
    QCOMPARE(read->rows, qint64(2));
    QCOMPARE(read->columns[1], (QStringList { "a, b", "c" }));
    QCOMPARE(read->hash, parseCsvColumns(bytes, path)->hash);

    const QString missing = dir.filePath(QStringLiteral("nope.csv"));
    const Result<CsvColumns> none = readCsvColumns(missing);
    QVERIFY(!none);
    QVERIFY2(none.error().message.startsWith(missing + QStringLiteral(": cannot read it: ")),
        qPrintable(none.error().message));
    QCOMPARE(none.error().hint, QStringLiteral("check the path"));
    const Result<CsvColumns> folder = readCsvColumns(dir.path());
    QVERIFY(!folder);
    QVERIFY(folder.error().message.startsWith(dir.path() + QStringLiteral(": cannot read it: ")));

    const QString empty = dir.filePath(QStringLiteral("empty.csv"));
    QVERIFY(QFile(empty).open(QIODevice::WriteOnly));
    const Result<CsvColumns> nothing = readCsvColumns(empty);
    QVERIFY(!nothing);
    QCOMPARE(nothing.error().message, empty + QStringLiteral(": empty file, no header row"));
    QCOMPARE(nothing.error().hint, QStringLiteral("the first line must name the columns"));
}

void TestDrift::csvColumnsProfiles()
{
    const auto csv = parseCsvColumns("age,city,note\n30,Oslo,NA\n 41 ,Lima,\nnan,Oslo,None\n", QStringLiteral("p.csv"));
    QVERIFY(csv);
    const QList<FeatureProfile> profiles = profileCsvColumns(*csv);
    QCOMPARE(profiles.size(), 3);
    const auto age = decodeProfile(profiles[0]);
    QVERIFY(age);
    QVERIFY(age->numeric);
    QCOMPARE(age->missing, qint64(1));
    QCOMPARE(age->numbers, (std::vector<double> { 30, 41 }));
    const auto city = decodeProfile(profiles[1]);
    QVERIFY(city);
    QVERIFY(!city->numeric);
    QCOMPARE(city->missing, qint64(0));
    QCOMPARE(city->categoryCounts.value(QStringLiteral("Oslo")), 2.0);
    const auto note = decodeProfile(profiles[2]);
    QVERIFY(note);
    QCOMPARE(note->missing, qint64(3));
}

QTEST_GUILESS_MAIN(TestDrift)
#include "tst_drift.moc"
