// The compare view's CSV export: RFC 4180 quoting of hostile names (commas, quotes, line breaks),
// NaN and infinities spelled out, the visible x range, chunked writing and unwritable files.

#include "analysis/curve_csv.h"
#include "analysis/export_file.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <limits>

using namespace reprise;

namespace {

MetricCurve curve(const QString& id, const QString& label, std::vector<double> x, std::vector<double> y)
{
    return { id, label, std::make_shared<const std::vector<double>>(std::move(x)),
        std::make_shared<const std::vector<double>>(std::move(y)) };
}

/// RFC 4180 records: fields split on commas outside quotes, records on line ends outside quotes.
QList<QStringList> parseCsv(const QByteArray& bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
        } else {
            field += c;
        }
    }
    return records;
}

} // namespace

class TestCurveCsv : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hostileNamesRoundTrip_data();
    void hostileNamesRoundTrip();
    void nonFiniteValuesAndTheVisibleRange();
    void chunksMakeTheSameText();
    void writesAndReportsUnwritableFiles();
};

void TestCurveCsv::hostileNamesRoundTrip_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("comma") << "lr=0.1, seed=2";
    QTest::newRow("quotes") << "the \"best\" run";
    QTest::newRow("only a quote") << "\"";
    QTest::newRow("line breaks") << "first\nsecond\r\nthird";
    QTest::newRow("formula-like and unicode") << "=SUM(A1) · ünïcode ✓";
    QTest::newRow("empty") << "";
}

void TestCurveCsv::hostileNamesRoundTrip()
{
    QFETCH(QString, name);
    const std::vector<CsvCurves> charts { { name, 0, 10, { curve(name, name + " · 1a2b3c", { 1 }, { 0.5 }) } } };
    const QByteArray csv = curveCsv(charts);
    const QList<QStringList> records = parseCsv(csv);
    QCOMPARE(records.size(), 2);
    QCOMPARE(records[0], (QStringList { "run_id", "run", "metric", "x", "value" }));
    QCOMPARE(records[1], (QStringList { name, name + " · 1a2b3c", name, "1", "0.5" }));
}

void TestCurveCsv::nonFiniteValuesAndTheVisibleRange()
{
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const std::vector<CsvCurves> charts {
        { "loss", 1, 3,
            { curve("a", "A", { 0, 1, 2, 2, 3, 4 }, { 9, nan, inf, -inf, 0.1, 9 }),
                curve("b", "B", { 5, 6 }, { 1, 1 }) } }, // nothing of b is visible
        { "acc", -inf, inf, { curve("a", "A", { -1e300, 1e-300 }, { 1.0 / 3, -0.0 }) } },
    };
    const QList<QByteArray> lines = curveCsv(charts).split('\n');
    QCOMPARE(lines,
        (QList<QByteArray> { "run_id,run,metric,x,value", "\"a\",\"A\",\"loss\",1,nan", "\"a\",\"A\",\"loss\",2,inf",
            "\"a\",\"A\",\"loss\",2,-inf", "\"a\",\"A\",\"loss\",3,0.10000000000000001",
            "\"a\",\"A\",\"acc\",-1.0000000000000001e+300,0.33333333333333331", "\"a\",\"A\",\"acc\",1e-300,0", "" }));
    // (-0 is written 0.) No curves, or curves without data: the header alone.
    QCOMPARE(curveCsv({}), curveCsvHeader());
    QCOMPARE(curveCsv({ { "m", 0, 1, { MetricCurve { "r", "R", nullptr, nullptr } } } }), curveCsvHeader());
}

void TestCurveCsv::chunksMakeTheSameText()
{
    std::vector<double> x(5000), y(5000);
    for (std::size_t i = 0; i < x.size(); ++i) {
        x[i] = double(i);
        y[i] = 1.0 / double(i + 1);
    }
    const std::vector<CsvCurves> charts { { "m", 0, 1e9, { curve("r", "R", x, y) } } };
    QList<QByteArray> chunks;
    QVERIFY(writeCurveCsv(
        charts,
        [&](const QByteArray& chunk) {
            chunks << chunk;
            return true;
        },
        1000));
    QVERIFY(chunks.size() > 50);
    QCOMPARE(chunks.join(), curveCsv(charts));
    // A sink that fails stops the writing.
    int calls = 0;
    QVERIFY(!writeCurveCsv(
        charts,
        [&](const QByteArray&) {
            ++calls;
            return false;
        },
        1000));
    QCOMPARE(calls, 1);
}

void TestCurveCsv::writesAndReportsUnwritableFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::vector<CsvCurves> charts { { "m, \"x\"", 0, 2, { curve("r", "R\nS", { 0, 1, 2 }, { 1, 2, 3 }) } } };
    const QString path = dir.filePath("points.csv");
    QCOMPARE(exportCurveCsv(path, charts), QString());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), curveCsv(charts));
    // Writing again replaces the file.
    QCOMPARE(exportCurveCsv(path, { { "m", 0, 0, { curve("r", "R", { 0 }, { 1 }) } } }), QString());
    file.seek(0);
    QCOMPARE(file.readAll(), QByteArray("run_id,run,metric,x,value\n\"r\",\"R\",\"m\",0,1\n"));
    // A folder that does not exist: the message names the file and what to do.
    const QString nowhere = dir.filePath("no/such/dir/points.csv");
    const QString error = exportCurveCsv(nowhere, charts);
    QVERIFY2(error.contains(nowhere) && error.contains("writable folder"), qPrintable(error));
    QVERIFY(!QFile::exists(nowhere));
    // Whole files (pictures) the same way.
    QCOMPARE(writeExportFile(dir.filePath("a.svg"), "<svg/>"), QString());
    QVERIFY(writeExportFile(nowhere, "x").contains(nowhere));
#ifdef Q_OS_LINUX
    // A full disk: /dev/full takes the open but no byte.
    if (QFile::exists("/dev/full")) {
        const QString full = writeExportFile("/dev/full", QByteArray(1 << 16, 'x'));
        QVERIFY2(full.contains("/dev/full") && full.contains("disk full"), qPrintable(full));
    }
#endif
}

QTEST_GUILESS_MAIN(TestCurveCsv)
#include "tst_curve_csv.moc"
