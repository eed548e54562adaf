// The plain-text rule for data shown to people: control, bidirectional and invisible characters as
// visible escapes; markup escaped where Qt would render it; tooltips that show their text literally.

#include "store/run_types.h"
#include "text/display_text.h"

#include <QTest>
#include <QTextDocument>

using namespace reprise;

namespace {

QString chars(std::initializer_list<char32_t> codePoints)
{
    QString out; // not QString::fromUcs4(), which drops a leading BOM
    for (char32_t c : codePoints) {
        if (QChar::requiresSurrogates(c))
            out += QChar(QChar::highSurrogate(c)) + QChar(QChar::lowSurrogate(c));
        else
            out += QChar(char16_t(c));
    }
    return out;
}

} // namespace

class TestDisplayText : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void escapes_data();
    void escapes();
    void keptLineBreaks_data();
    void keptLineBreaks();
    void htmlSafeTextIsMarkupFree();
    void toolTipsRenderLiterally_data();
    void toolTipsRenderLiterally();
    void runRecordsAreEscapedFieldByField();
};

void TestDisplayText::escapes_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("shown");
    QTest::newRow("ascii") << "lr=0.01 (run #3)"
                           << "lr=0.01 (run #3)";
    QTest::newRow("markup stays text") << "<b>x</b> & y"
                                       << "<b>x</b> & y";
    QTest::newRow("accents, CJK, emoji") << "Modèle 学習 🚀"
                                         << "Modèle 学習 🚀";
    QTest::newRow("right-to-left script") << "نموذج עברית"
                                          << "نموذج עברית";
    QTest::newRow("backslash stays") << "C:\\runs\\x1b"
                                     << "C:\\runs\\x1b";
    QTest::newRow("ESC") << "a\x1b[2Jb"
                         << "a\\x1b[2Jb";
    QTest::newRow("OSC title and BEL") << "\x1b]0;pwned\x07"
                                       << "\\x1b]0;pwned\\x07";
    QTest::newRow("NUL") << QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b")) << "a\\x00b";
    QTest::newRow("DEL") << "a\x7f"
                         << "a\\x7f";
    QTest::newRow("C1 CSI") << chars({ 'a', 0x9B, '2', 'J' }) << "a\\x9b2J";
    QTest::newRow("newline, return, tab") << "a\nb\rc\td"
                                          << "a\\nb\\rc\\td";
    QTest::newRow("RLO reorders no more")
        << chars({ 'a', 'b', 'c', 0x202E, 'g', 'n', 'p', '.', 'e', 'x', 'e' }) << "abc\\u202egnp.exe";
    QTest::newRow("isolates") << chars({ 0x2066, 'x', 0x2069 }) << "\\u2066x\\u2069";
    QTest::newRow("LRM RLM ALM") << chars({ 0x200E, 0x200F, 0x061C }) << "\\u200e\\u200f\\u061c";
    QTest::newRow("zero width") << chars({ 'a', 0x200B, 'b', 0x200D, 'c', 0x2060 }) << "a\\u200bb\\u200dc\\u2060";
    QTest::newRow("BOM and soft hyphen") << chars({ 0xFEFF, 'a', 0x00AD, 'b' }) << "\\ufeffa\\u00adb";
    QTest::newRow("line separator") << chars({ 'a', 0x2028, 'b', 0x2029 }) << "a\\u2028b\\u2029";
    QTest::newRow("tag characters") << chars({ 'a', 0xE0041, 0xE007F }) << "a\\U000e0041\\U000e007f";
    QTest::newRow("lone surrogates") << QString(QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b")
        + QChar(0xDC00)) << "a\\ud800b\\udc00";
    QTest::newRow("hostile name") << QString(
        QStringLiteral("<span style=\"font-size:40pt;color:red\">big</span>\x1b]0;pwned\x07") + QChar(0x202E)
        + QStringLiteral(
            "gnp.exe")) << "<span style=\"font-size:40pt;color:red\">big</span>\\x1b]0;pwned\\x07\\u202egnp.exe";
}

void TestDisplayText::escapes()
{
    QFETCH(QString, input);
    QFETCH(QString, shown);
    QCOMPARE(visibleText(input), shown);
    QCOMPARE(hasHiddenCharacters(input), input != shown);
    // Escaping twice changes nothing: every escape is printable ASCII.
    QCOMPARE(visibleText(shown), shown);
    QVERIFY(!hasHiddenCharacters(shown));
    for (QChar c : visibleText(input))
        QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7F && c.category() != QChar::Other_Format,
            qPrintable(QString::number(c.unicode(), 16)));
}

void TestDisplayText::keptLineBreaks_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("shown");
    QTest::newRow("lines and tabs stay") << "epoch 1\tloss 0.3\nepoch 2\tloss 0.2\n"
                                         << "epoch 1\tloss 0.3\nepoch 2\tloss 0.2\n";
    QTest::newRow("CRLF becomes LF") << "a\r\nb\r\n"
                                     << "a\nb\n";
    QTest::newRow("lone CR escaped") << "10%\r20%\r"
                                     << "10%\\r20%\\r";
    QTest::newRow("colour codes escaped") << "\x1b[31mred\x1b[0m\n"
                                          << "\\x1b[31mred\\x1b[0m\n";
    QTest::newRow("RLO escaped") << chars({ 'x', 0x202E, 'y', '\n' }) << "x\\u202ey\n";
}

void TestDisplayText::keptLineBreaks()
{
    QFETCH(QString, input);
    QFETCH(QString, shown);
    QCOMPARE(visibleText(input, LineBreaks::Keep), shown);
    QCOMPARE(hasHiddenCharacters(input, LineBreaks::Keep), input != shown);
}

void TestDisplayText::htmlSafeTextIsMarkupFree()
{
    const QString hostile = QStringLiteral("<span style=\"font-size:40pt;color:red\">big</span> <img src=x> &amp; ")
        + QChar(0x202E) + QStringLiteral("x");
    const QString safe = htmlSafeText(hostile);
    QCOMPARE(safe,
        QStringLiteral("&lt;span style=&quot;font-size:40pt;color:red&quot;&gt;big&lt;/span&gt; &lt;img src=x&gt; "
                       "&amp;amp; \\u202ex"));
    // What a rich-text renderer (QtCharts, a rich label) shows is the data, escaped once.
    QTextDocument document;
    document.setHtml(safe);
    QCOMPARE(document.toPlainText(), visibleText(hostile));
    QVERIFY(!safe.contains(u'<'));
}

void TestDisplayText::toolTipsRenderLiterally_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << "train.py --lr 0.01";
    QTest::newRow("ampersand") << "a & b";
    QTest::newRow("already escaped") << "&amp; &lt;b&gt;";
    QTest::newRow("markup") << "<span style=\"font-size:40pt;color:red\">big</span><img src=x>";
    QTest::newRow("lines") << "first line\nsecond line";
    QTest::newRow("spaces") << "a    b";
    QTest::newRow("controls") << "\x1b]0;pwned\x07";
    QTest::newRow("RLO") << chars({ 'a', 'b', 'c', 0x202E, 'g', 'n', 'p', '.', 'e', 'x', 'e' });
}

void TestDisplayText::toolTipsRenderLiterally()
{
    QFETCH(QString, text);
    const QString tip = plainToolTip(text);
    // Qt renders a tooltip as rich text when it looks like rich text: this one always does, so the
    // escaped text is shown once-unescaped, i.e. literally.
    QVERIFY(Qt::mightBeRichText(tip));
    QTextDocument document;
    document.setHtml(tip);
    QCOMPARE(document.toPlainText(), visibleText(text, LineBreaks::Keep));
    QVERIFY(plainToolTip(QString()).isEmpty());
}

void TestDisplayText::runRecordsAreEscapedFieldByField()
{
    const QString rlo(QChar(0x202E));
    RunRecord run;
    run.uuid = QStringLiteral("0123456789abcdef0123456789abcdef");
    run.name = QStringLiteral("big\x1b]0;pwned\x07") + rlo + QStringLiteral("gnp.exe");
    run.project = QStringLiteral("p\nq");
    run.notes = QStringLiteral("line one\nline\x1b two");
    run.params.insert(QStringLiteral("lr") + rlo, ParamValue { QStringLiteral("0.1\x1b[2J"), QStringLiteral("str") });
    run.tags.insert(QStringLiteral("team"), QStringLiteral("\x07vision"));
    run.launch.argv = QStringList { QStringLiteral("python"), QStringLiteral("a\nb.py") };
    MetricSummary metric;
    metric.key = QStringLiteral("acc\x1b");
    run.metrics << metric;
    StepRecord step;
    step.name = QStringLiteral("train") + rlo;
    step.log = QStringLiteral("epoch 1\nepoch\x1b 2\n");
    ArtifactRecord artifact;
    artifact.path = QStringLiteral("out/") + rlo + QStringLiteral("gnp.exe");
    step.outputs << artifact;
    run.steps << step;
    run.artifacts << artifact;
    DatasetRecord dataset;
    dataset.name = QStringLiteral("train\t");
    FeatureProfile feature;
    feature.feature = QStringLiteral("<b>age</b>\x1b");
    dataset.profiles << feature;
    run.datasets << dataset;

    const RunRecord shown = visibleRun(run);
    QCOMPARE(shown.uuid, run.uuid);
    QCOMPARE(shown.name, QStringLiteral("big\\x1b]0;pwned\\x07\\u202egnp.exe"));
    QCOMPARE(shown.project, QStringLiteral("p\\nq"));
    QCOMPARE(shown.notes, QStringLiteral("line one\nline\\x1b two"));
    QCOMPARE(shown.params.firstKey(), QStringLiteral("lr\\u202e"));
    QCOMPARE(shown.params.first().value, QStringLiteral("0.1\\x1b[2J"));
    QCOMPARE(shown.tags.value(QStringLiteral("team")), QStringLiteral("\\x07vision"));
    QCOMPARE(shown.launch.argv.value(1), QStringLiteral("a\\nb.py"));
    QCOMPARE(shown.metrics.first().key, QStringLiteral("acc\\x1b"));
    QCOMPARE(shown.steps.first().name, QStringLiteral("train\\u202e"));
    QCOMPARE(shown.steps.first().log, QStringLiteral("epoch 1\nepoch\\x1b 2\n"));
    QCOMPARE(shown.steps.first().outputs.first().path, QStringLiteral("out/\\u202egnp.exe"));
    QCOMPARE(shown.artifacts.first().path, QStringLiteral("out/\\u202egnp.exe"));
    QCOMPARE(shown.datasets.first().name, QStringLiteral("train\\t"));
    QCOMPARE(shown.datasets.first().profiles.first().feature, QStringLiteral("<b>age</b>\\x1b"));

    OutputChunk chunk;
    chunk.data = QStringLiteral("\x1b[31mred\x1b[0m\r\n");
    QCOMPARE(visibleOutput({ chunk }).first().data, QStringLiteral("\\x1b[31mred\\x1b[0m\n"));
}

QTEST_MAIN(TestDisplayText)
#include "tst_display_text.moc"
