#include "query/query.h"

#include "query/query_sql.h"
#include "store/column_builders.h"
#include "store/database.h"
#include "store/lookup_indexes.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reprise {

namespace query_detail {

    enum class Op { Eq, Ne, Lt, Le, Gt, Ge, Match, NotMatch };
    enum class FieldKind { Attribute, Param, Metric, Tag };
    enum class Attribute {
        Id,
        Name,
        Project,
        Status,
        Kind,
        User,
        Host,
        Commit,
        Branch,
        Parent,
        Started,
        Ended,
        Duration,
        Dirty,
        Source
    };

    struct Literal {
        QString text; ///< as written (unquoted)
        std::optional<double> number; ///< numbers, dates (epoch s) and durations (s)
        bool isDate = false;
        bool isDuration = false;
    };

    struct Node {
        enum class Kind { And, Or, Not, Compare } kind = Kind::Compare;
        std::vector<std::shared_ptr<const Node>> children;
        FieldKind field = FieldKind::Param;
        Attribute attribute = Attribute::Name;
        QString key;
        Op op = Op::Eq;
        Literal literal;
        QRegularExpression regex;
    };

} // namespace query_detail

using namespace query_detail;

namespace {

    const QString kExamples = QStringLiteral(
        "e.g. lr < 0.01, metric.val_acc >= 0.9, status = finished, name ~ \"resnet\", started > 2026-01-01, "
        "duration > 1h, tag.team = vision");

    struct AttributeName {
        const char* name;
        Attribute attribute;
        bool numeric;
    };
    constexpr AttributeName kAttributes[] = {
        { "id", Attribute::Id, false },
        { "name", Attribute::Name, false },
        { "project", Attribute::Project, false },
        { "status", Attribute::Status, false },
        { "kind", Attribute::Kind, false },
        { "user", Attribute::User, false },
        { "host", Attribute::Host, false },
        { "commit", Attribute::Commit, false },
        { "branch", Attribute::Branch, false },
        { "parent", Attribute::Parent, false },
        { "started", Attribute::Started, true },
        { "ended", Attribute::Ended, true },
        { "duration", Attribute::Duration, true },
        { "dirty", Attribute::Dirty, true },
        { "source", Attribute::Source, false },
    };

    const AttributeName* findAttribute(const QString& word)
    {
        for (const auto& a : kAttributes) {
            if (word.compare(QLatin1String(a.name), Qt::CaseInsensitive) == 0)
                return &a;
        }
        return nullptr;
    }

    enum class TokenType { Word, String, Op, LParen, RParen, End };
    struct Token {
        TokenType type;
        QString text;
        qsizetype pos;
    };

    bool isWordChar(QChar c)
    {
        return !c.isSpace() && c != u'(' && c != u')' && c != u'=' && c != u'!' && c != u'<' && c != u'>' && c != u'~'
            && c != u'"' && c != u'\'';
    }

    Result<std::vector<Token>> tokenize(const QString& text)
    {
        std::vector<Token> tokens;
        qsizetype i = 0;
        const qsizetype n = text.size();
        while (i < n) {
            const QChar c = text[i];
            if (c.isSpace()) {
                ++i;
            } else if (c == u'(' || c == u')') {
                tokens.push_back({ c == u'(' ? TokenType::LParen : TokenType::RParen, QString(c), i });
                ++i;
            } else if (c == u'"' || c == u'\'') {
                const qsizetype start = i++;
                QString value;
                while (i < n && text[i] != c) {
                    if (text[i] == u'\\' && i + 1 < n)
                        ++i;
                    value += text[i++];
                }
                if (i >= n) {
                    return Error { QStringLiteral("unterminated string starting at column %1").arg(start + 1),
                        QStringLiteral("close it with %1").arg(c), start };
                }
                ++i;
                tokens.push_back({ TokenType::String, value, start });
            } else if (c == u'=' || c == u'!' || c == u'<' || c == u'>' || c == u'~') {
                const qsizetype start = i;
                QString op(c);
                ++i;
                if (i < n && ((c != u'~' && text[i] == u'=') || (c == u'!' && text[i] == u'~')))
                    op += text[i++];
                if (op == QLatin1String("!")) {
                    return Error { QStringLiteral("unknown operator '!' at column %1").arg(start + 1),
                        QStringLiteral("use != or !~, or 'not' before a condition"), start };
                }
                tokens.push_back({ TokenType::Op, op, start });
            } else {
                const qsizetype start = i;
                while (i < n && isWordChar(text[i]))
                    ++i;
                tokens.push_back({ TokenType::Word, text.mid(start, i - start), start });
            }
        }
        tokens.push_back({ TokenType::End, QString(), n });
        return tokens;
    }

    std::optional<double> parseDuration(const QString& word)
    {
        static const QRegularExpression re(QStringLiteral("^(?:(\\d+(?:\\.\\d+)?)(ms|s|m|h|d))+$"));
        if (!re.match(word).hasMatch())
            return std::nullopt;
        static const QRegularExpression part(QStringLiteral("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)"));
        double total = 0;
        for (auto it = part.globalMatch(word); it.hasNext();) {
            const auto m = it.next();
            const double v = m.captured(1).toDouble();
            const QString unit = m.captured(2);
            total += unit == QLatin1String("ms") ? v / 1000
                : unit == QLatin1String("s")     ? v
                : unit == QLatin1String("m")     ? v * 60
                : unit == QLatin1String("h")     ? v * 3600
                                                 : v * 86400;
        }
        return total;
    }

    class Parser {
    public:
        explicit Parser(std::vector<Token> tokens)
            : m_tokens(std::move(tokens))
        {
        }

        Result<std::shared_ptr<const Node>> parseAll()
        {
            auto e = parseOr();
            if (!e)
                return e;
            const Token& t = peek();
            if (t.type == TokenType::RParen)
                return fail(t, QStringLiteral("unexpected ')'"), QStringLiteral("remove it or add the matching '('"));
            if (t.type != TokenType::End) {
                return fail(t, QStringLiteral("unexpected '%1'").arg(t.text),
                    QStringLiteral("join conditions with 'and' or 'or'; ") + kExamples);
            }
            return e;
        }

        RunTableColumns columns;

    private:
        const Token& peek() const { return m_tokens[m_pos]; }
        const Token& next() { return m_tokens[m_pos++]; }
        bool isKeyword(const Token& t, const char* word) const
        {
            return t.type == TokenType::Word && t.text.compare(QLatin1String(word), Qt::CaseInsensitive) == 0;
        }
        static Error fail(const Token& t, const QString& what, const QString& hint)
        {
            return Error { what + QStringLiteral(" at column %1").arg(t.pos + 1), hint, t.pos };
        }

        using NodeResult = Result<std::shared_ptr<const Node>>;

        NodeResult parseBinary(Node::Kind kind, const char* keyword, NodeResult (Parser::*operand)())
        {
            auto first = (this->*operand)();
            if (!first || !isKeyword(peek(), keyword))
                return first;
            auto node = std::make_shared<Node>();
            node->kind = kind;
            node->children.push_back(*first);
            while (isKeyword(peek(), keyword)) {
                next();
                auto rhs = (this->*operand)();
                if (!rhs)
                    return rhs;
                node->children.push_back(*rhs);
            }
            return std::shared_ptr<const Node>(node);
        }
        NodeResult parseOr() { return parseBinary(Node::Kind::Or, "or", &Parser::parseAnd); }
        NodeResult parseAnd() { return parseBinary(Node::Kind::And, "and", &Parser::parseFactor); }

        NodeResult parseFactor()
        {
            const Token& t = peek();
            if (isKeyword(t, "not")) {
                next();
                auto inner = parseFactor();
                if (!inner)
                    return inner;
                auto node = std::make_shared<Node>();
                node->kind = Node::Kind::Not;
                node->children.push_back(*inner);
                return std::shared_ptr<const Node>(node);
            }
            if (t.type == TokenType::LParen) {
                next();
                auto inner = parseOr();
                if (!inner)
                    return inner;
                if (peek().type != TokenType::RParen) {
                    return fail(peek(), QStringLiteral("missing ')'"),
                        QStringLiteral("close the '(' at column %1").arg(t.pos + 1));
                }
                next();
                return inner;
            }
            return parseComparison();
        }

        NodeResult parseComparison()
        {
            const Token field = next();
            if (field.type == TokenType::End)
                return fail(field, QStringLiteral("expected a condition"), kExamples);
            if (field.type != TokenType::Word || isKeyword(field, "and") || isKeyword(field, "or")) {
                return fail(field, QStringLiteral("expected a field name, found '%1'").arg(field.text),
                    QStringLiteral("a condition is FIELD OP VALUE; ") + kExamples);
            }
            auto node = std::make_shared<Node>();
            if (auto st = resolveField(field, *node); !st)
                return st.error();

            const Token op = next();
            if (op.type != TokenType::Op) {
                return fail(op, QStringLiteral("expected an operator after '%1'").arg(field.text),
                    QStringLiteral("operators: = != < <= > >= ~ !~"));
            }
            static const QHash<QString, Op> ops { { QStringLiteral("="), Op::Eq }, { QStringLiteral("=="), Op::Eq },
                { QStringLiteral("!="), Op::Ne }, { QStringLiteral("<"), Op::Lt }, { QStringLiteral("<="), Op::Le },
                { QStringLiteral(">"), Op::Gt }, { QStringLiteral(">="), Op::Ge }, { QStringLiteral("~"), Op::Match },
                { QStringLiteral("!~"), Op::NotMatch } };
            if (!ops.contains(op.text)) {
                return fail(op, QStringLiteral("unknown operator '%1'").arg(op.text),
                    QStringLiteral("operators: = != < <= > >= ~ !~"));
            }
            node->op = ops.value(op.text);

            const Token value = next();
            if (value.type != TokenType::Word && value.type != TokenType::String) {
                return fail(value, QStringLiteral("expected a value after '%1'").arg(op.text), kExamples);
            }
            if (value.type == TokenType::Word
                && (isKeyword(value, "and") || isKeyword(value, "or") || isKeyword(value, "not"))) {
                return fail(value, QStringLiteral("expected a value after '%1', found '%2'").arg(op.text, value.text),
                    QStringLiteral("quote it if you mean the word: \"%1\"").arg(value.text));
            }
            if (auto st = resolveValue(value, *node); !st)
                return st.error();
            return std::shared_ptr<const Node>(node);
        }

        Status resolveField(const Token& t, Node& node)
        {
            const QString& word = t.text;
            const qsizetype dot = word.indexOf(u'.');
            const QString prefix = dot > 0 ? word.left(dot).toLower() : QString();
            const QString rest = dot > 0 ? word.mid(dot + 1) : QString();
            auto needKey = [&](const QString& kind) -> Status {
                if (rest.isEmpty()) {
                    return fail(
                        t, QStringLiteral("'%1' needs a key").arg(word), QStringLiteral("e.g. %1.NAME").arg(kind));
                }
                return success();
            };
            if (prefix == QLatin1String("metric") || prefix == QLatin1String("metrics")) {
                node.field = FieldKind::Metric;
                node.key = rest;
                columns.metrics << rest;
                return needKey(QStringLiteral("metric"));
            }
            if (prefix == QLatin1String("tag") || prefix == QLatin1String("tags")) {
                node.field = FieldKind::Tag;
                node.key = rest;
                columns.tags << rest;
                return needKey(QStringLiteral("tag"));
            }
            if (prefix == QLatin1String("param") || prefix == QLatin1String("params")) {
                node.field = FieldKind::Param;
                node.key = rest;
                columns.params << rest;
                return needKey(QStringLiteral("param"));
            }
            if (const AttributeName* a = findAttribute(word)) {
                node.field = FieldKind::Attribute;
                node.attribute = a->attribute;
                return success();
            }
            node.field = FieldKind::Param;
            node.key = word;
            columns.params << word;
            return success();
        }

        bool fieldIsNumeric(const Node& node) const
        {
            if (node.field == FieldKind::Metric)
                return true;
            if (node.field != FieldKind::Attribute)
                return false;
            for (const auto& a : kAttributes) {
                if (a.attribute == node.attribute)
                    return a.numeric;
            }
            return false;
        }

        Status resolveValue(const Token& t, Node& node)
        {
            Literal& lit = node.literal;
            lit.text = t.text;
            if (t.type == TokenType::Word) {
                static const QRegularExpression date(
                    QStringLiteral("^\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2})?)?Z?$"));
                bool ok = false;
                const double number = t.text.toDouble(&ok);
                if (ok) {
                    lit.number = number;
                } else if (auto seconds = parseDuration(t.text)) {
                    lit.number = *seconds;
                    lit.isDuration = true;
                } else if (date.match(t.text).hasMatch()) {
                    QString iso = t.text;
                    if (iso.size() == 10)
                        iso += QStringLiteral("T00:00:00");
                    iso.replace(u' ', u'T');
                    if (iso.endsWith(u'Z'))
                        iso.chop(1);
                    QDateTime when = QDateTime::fromString(iso, Qt::ISODate);
                    if (!when.isValid()) {
                        return fail(t, QStringLiteral("'%1' is not a valid date").arg(t.text),
                            QStringLiteral("write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"));
                    }
                    when.setTimeZone(QTimeZone::utc());
                    lit.number = double(when.toMSecsSinceEpoch()) / 1000.0;
                    lit.isDate = true;
                }
            }
            const bool regex = node.op == Op::Match || node.op == Op::NotMatch;
            if (regex) {
                if (fieldIsNumeric(node)) {
                    return fail(t, QStringLiteral("'~' matches text, but this field is a number"),
                        QStringLiteral("compare numbers with = < <= > >="));
                }
                node.regex = QRegularExpression(t.text, QRegularExpression::CaseInsensitiveOption);
                if (!node.regex.isValid()) {
                    return fail(t, QStringLiteral("invalid regular expression: ") + node.regex.errorString(),
                        QStringLiteral("escape special characters with \\, or use a plain word"));
                }
                return success();
            }
            if (fieldIsNumeric(node) && !lit.number) {
                const bool isTime = node.field == FieldKind::Attribute
                    && (node.attribute == Attribute::Started || node.attribute == Attribute::Ended);
                const bool isDur = node.field == FieldKind::Attribute && node.attribute == Attribute::Duration;
                return fail(t,
                    QStringLiteral("'%1' is not a %2")
                        .arg(t.text,
                            isTime      ? QStringLiteral("date")
                                : isDur ? QStringLiteral("duration")
                                        : QStringLiteral("number")),
                    isTime      ? QStringLiteral("write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)")
                        : isDur ? QStringLiteral("write durations like 90s, 5m, 1h30m or 2d")
                                : QStringLiteral("metrics compare with numbers, e.g. metric.val_acc >= 0.9"));
            }
            if (node.field == FieldKind::Attribute && node.attribute == Attribute::Status && node.op == Op::Eq
                && !QStringList { QStringLiteral("running"), QStringLiteral("finished"), QStringLiteral("failed"),
                    QStringLiteral("killed"), QStringLiteral("incomplete") }
                        .contains(t.text)) {
                return fail(t, QStringLiteral("unknown status '%1'").arg(t.text),
                    QStringLiteral("status is one of running, finished, failed, killed, incomplete "
                                   "(an import that was interrupted)"));
            }
            return success();
        }

        std::vector<Token> m_tokens;
        size_t m_pos = 0;
    };

    bool compareNumbers(double a, Op op, double b)
    {
        switch (op) {
        case Op::Eq:
            return a == b;
        case Op::Ne:
            return a != b;
        case Op::Lt:
            return a < b;
        case Op::Le:
            return a <= b;
        case Op::Gt:
            return a > b;
        case Op::Ge:
            return a >= b;
        default:
            return false;
        }
    }

    bool compareText(const QString& a, const Node& node)
    {
        switch (node.op) {
        case Op::Match:
            return node.regex.match(a).hasMatch();
        case Op::NotMatch:
            return !node.regex.match(a).hasMatch();
        default: {
            const int c = a.compare(node.literal.text);
            return compareNumbers(double(c), node.op, 0.0);
        }
        }
    }

    /// Compares a value that may be numeric (params, tags): numbers when both sides are numbers.
    bool compareValue(const QString& text, double number, const Node& node)
    {
        const bool ordering = node.op == Op::Lt || node.op == Op::Le || node.op == Op::Gt || node.op == Op::Ge;
        if (node.op != Op::Match && node.op != Op::NotMatch && node.literal.number) {
            if (!std::isnan(number))
                return compareNumbers(number, node.op, *node.literal.number);
            // "abc" > 16 would be true as text, which nobody means.
            if (ordering)
                return false;
        }
        return compareText(text, node);
    }

    using RowPredicate = std::function<bool(size_t)>;

    /// Precomputes the answer for each dictionary entry, so each row costs one lookup.
    RowPredicate dictionaryPredicate(const TextColumn& column, std::vector<std::uint8_t> answers)
    {
        return [&column, answers = std::move(answers)](size_t row) {
            const auto code = column.codes[row];
            return code >= 0 && answers[size_t(code)] != 0;
        };
    }

    RowPredicate textPredicate(const TextColumn& column, const Node& node)
    {
        std::vector<std::uint8_t> answers;
        answers.reserve(size_t(column.dict.size()));
        for (const QString& v : column.dict)
            answers.push_back(compareText(v, node));
        return dictionaryPredicate(column, std::move(answers));
    }

    /// `source`: a run held by several sources matches `=` and `~` if one of them does, `!=` and
    /// `!~` if all of them do ("source != team" is a run that is not in the team store).
    RowPredicate sourcePredicate(const RunTable& t, const Node& node)
    {
        if (!t.spansSources()) {
            // Every run is in the one source: the answer is the same for each.
            const bool answer = !t.soleSourceName.isEmpty() && compareText(t.soleSourceName, node);
            return [answer](size_t) { return answer; };
        }
        const bool negative = node.op == Op::Ne || node.op == Op::NotMatch;
        std::vector<std::uint8_t> answers;
        answers.reserve(t.sourceNames.size());
        for (const QStringList& names : t.sourceNames) {
            auto one = [&node](const QString& name) { return compareText(name, node); };
            answers.push_back(
                negative ? std::all_of(names.begin(), names.end(), one) : std::any_of(names.begin(), names.end(), one));
        }
        return dictionaryPredicate(t.sources, std::move(answers));
    }

    RowPredicate valuePredicate(const ValueColumn* column, const Node& node)
    {
        if (!column)
            return [](size_t) { return false; };
        std::vector<std::uint8_t> answers;
        answers.reserve(size_t(column->text.dict.size()));
        for (qsizetype i = 0; i < column->text.dict.size(); ++i)
            answers.push_back(compareValue(column->text.dict[i], column->dictNumbers[size_t(i)], node));
        return dictionaryPredicate(column->text, std::move(answers));
    }

    RowPredicate numberPredicate(std::function<double(size_t)> read, const Node& node)
    {
        const double literal = *node.literal.number;
        return [read = std::move(read), literal, op = node.op](size_t row) {
            const double v = read(row);
            return !std::isnan(v) && compareNumbers(v, op, literal);
        };
    }

    RowPredicate bind(const Node& node, const RunTable& t, double now)
    {
        switch (node.kind) {
        case Node::Kind::And:
        case Node::Kind::Or: {
            std::vector<RowPredicate> parts;
            for (const auto& c : node.children)
                parts.push_back(bind(*c, t, now));
            if (node.kind == Node::Kind::And)
                return [parts](size_t row) {
                    return std::all_of(parts.begin(), parts.end(), [row](const auto& p) { return p(row); });
                };
            return [parts](size_t row) {
                return std::any_of(parts.begin(), parts.end(), [row](const auto& p) { return p(row); });
            };
        }
        case Node::Kind::Not:
            return [inner = bind(*node.children.front(), t, now)](size_t row) { return !inner(row); };
        case Node::Kind::Compare:
            break;
        }
        switch (node.field) {
        case FieldKind::Param:
            return valuePredicate(t.param(node.key), node);
        case FieldKind::Tag:
            return valuePredicate(t.tag(node.key), node);
        case FieldKind::Metric: {
            const NumberColumn* c = t.metric(node.key);
            if (!c)
                return [](size_t) { return false; };
            return numberPredicate([c](size_t row) { return c->present[row] ? c->values[row] : std::nan(""); }, node);
        }
        case FieldKind::Attribute:
            break;
        }
        switch (node.attribute) {
        case Attribute::Id:
            return [&t, &node](size_t row) {
                const QString& id = t.uuids[row];
                // An id compares by prefix with '=' so short ids work as in the CLI.
                if (node.op == Op::Eq)
                    return id.startsWith(node.literal.text, Qt::CaseInsensitive);
                if (node.op == Op::Ne)
                    return !id.startsWith(node.literal.text, Qt::CaseInsensitive);
                return compareText(id, node);
            };
        case Attribute::Name:
            return textPredicate(t.names, node);
        case Attribute::Project:
            return textPredicate(t.projects, node);
        case Attribute::Status:
            return textPredicate(t.statuses, node);
        case Attribute::Kind:
            return textPredicate(t.kinds, node);
        case Attribute::User:
            return textPredicate(t.users, node);
        case Attribute::Host:
            return textPredicate(t.hosts, node);
        case Attribute::Commit:
            return textPredicate(t.commits, node);
        case Attribute::Branch:
            return textPredicate(t.branches, node);
        case Attribute::Parent:
            return textPredicate(t.parents, node);
        case Attribute::Started:
            return numberPredicate([&t](size_t row) { return t.startTimes[row]; }, node);
        case Attribute::Ended:
            return numberPredicate([&t](size_t row) { return t.endTimes[row]; }, node);
        case Attribute::Duration:
            return numberPredicate([&t, now](size_t row) { return t.duration(row, now); }, node);
        case Attribute::Dirty:
            return numberPredicate([&t](size_t row) { return double(t.dirty[row]); }, node);
        case Attribute::Source:
            return sourcePredicate(t, node);
        }
        return [](size_t) { return false; };
    }

    /// `node` for every row of `t` into `mask` (1: matches), a node at a time: each comparison is
    /// one tight loop over the rows, and and/or/not combine whole masks.
    void evaluate(const Node& node, const RunTable& t, double now, std::vector<std::uint8_t>& mask)
    {
        const size_t n = t.rowCount();
        switch (node.kind) {
        case Node::Kind::And:
        case Node::Kind::Or: {
            evaluate(*node.children.front(), t, now, mask);
            std::vector<std::uint8_t> other;
            for (size_t c = 1; c < node.children.size(); ++c) {
                evaluate(*node.children[c], t, now, other);
                if (node.kind == Node::Kind::And) {
                    for (size_t r = 0; r < n; ++r)
                        mask[r] &= other[r];
                } else {
                    for (size_t r = 0; r < n; ++r)
                        mask[r] |= other[r];
                }
            }
            return;
        }
        case Node::Kind::Not:
            evaluate(*node.children.front(), t, now, mask);
            for (size_t r = 0; r < n; ++r)
                mask[r] ^= 1;
            return;
        case Node::Kind::Compare: {
            const RowPredicate predicate = bind(node, t, now);
            mask.resize(n);
            for (size_t r = 0; r < n; ++r)
                mask[r] = predicate(r) ? 1 : 0;
            return;
        }
        }
    }

} // namespace

Query::Query() { m_columns.allParams = m_columns.allMetrics = m_columns.allTags = false; }

Result<Query> Query::parse(const QString& text)
{
    Query q;
    if (text.trimmed().isEmpty())
        return q;
    auto tokens = tokenize(text);
    if (!tokens)
        return tokens.error();
    Parser parser(std::move(*tokens));
    parser.columns.allParams = parser.columns.allMetrics = parser.columns.allTags = false;
    auto root = parser.parseAll();
    if (!root)
        return root.error();
    q.m_root = *root;
    q.m_columns = parser.columns;
    q.m_columns.params.removeDuplicates();
    q.m_columns.metrics.removeDuplicates();
    q.m_columns.tags.removeDuplicates();
    return q;
}

RunTableColumns Query::columns() const { return m_columns; }

std::vector<std::int32_t> Query::filter(const RunTable& table, double now) const
{
    std::vector<std::int32_t> rows;
    const size_t n = table.rowCount();
    if (!m_root) {
        rows.resize(n);
        for (size_t i = 0; i < n; ++i)
            rows[i] = std::int32_t(i);
        return rows;
    }
    std::vector<std::uint8_t> mask;
    evaluate(*m_root, table, now, mask);
    for (size_t i = 0; i < n; ++i) {
        if (mask[i])
            rows.push_back(std::int32_t(i));
    }
    return rows;
}

namespace {

    /// One comparison of a filter as SQLite evaluates it: the node, and the answers already given
    /// per distinct text (params repeat the same few values), bounded so that a comparison on
    /// names or ids (one value per run) does not keep a million of them.
    struct SqlLeaf {
        const Node* node;
        std::unordered_map<std::string, bool, column_building::StringHash, std::equal_to<>> answers;
        /// A regular expression that is plain ASCII text (`name ~ run-99`), lower-cased: searched for
        /// in ASCII values directly, as the case-insensitive expression would find it.
        std::optional<std::string> plainText;
    };

    std::optional<std::string> plainRegexText(const Node& node)
    {
        if (node.op != Op::Match && node.op != Op::NotMatch)
            return std::nullopt;
        std::string text;
        for (const QChar c : node.literal.text) {
            if (c.unicode() < 0x20 || c.unicode() >= 0x7f || QStringView(u"\\^$.|?*+()[]{}#").contains(c))
                return std::nullopt;
            text += char(std::tolower(c.unicode()));
        }
        return text;
    }

    /// Whether ASCII `bytes` contain `lowered` (lower-case ASCII) in any case; nullopt when a byte is
    /// not ASCII (case folding beyond ASCII is the expression's).
    std::optional<bool> containsAsciiFolded(std::string_view bytes, const std::string& lowered)
    {
        if (std::any_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
            return std::nullopt;
        const auto found = std::search(bytes.begin(), bytes.end(), lowered.begin(), lowered.end(),
            [](char a, char b) { return (a >= 'A' && a <= 'Z' ? char(a + ('a' - 'A')) : a) == b; });
        return found != bytes.end();
    }

    struct SqlContext {
        std::vector<SqlLeaf> leaves;
        QList<QByteArray> texts; ///< bound as ?1, ?2, … in order
        bool keyIndexes = false; ///< params and tags can be looked up by key (see lookup_indexes.h)
        QByteArray runRange; ///< SQL after "run_id" or "r.id" bounding the runs read, e.g. " BETWEEN 1 AND 9"
    };

    bool isNumericAttribute(Attribute a)
    {
        return a == Attribute::Started || a == Attribute::Ended || a == Attribute::Duration || a == Attribute::Dirty;
    }

    /// The comparison of `leaf` on one value as Query::filter makes it on the loaded table.
    bool matchSqlValue(SqlLeaf& leaf, sqlite3_value* value)
    {
        const Node& node = *leaf.node;
        const bool null = sqlite3_value_type(value) == SQLITE_NULL;
        if (node.field == FieldKind::Metric
            || (node.field == FieldKind::Attribute && isNumericAttribute(node.attribute))) {
            // The loader reads a missing end time or latest value as NaN, other numbers as 0.
            double v = sqlite3_value_double(value);
            if (null) {
                const bool nan = node.field == FieldKind::Metric || node.attribute == Attribute::Ended;
                v = nan ? std::numeric_limits<double>::quiet_NaN() : 0.0;
            }
            if (node.field == FieldKind::Attribute && node.attribute == Attribute::Dirty)
                v = double(sqlite3_value_int64(value) != 0);
            return !std::isnan(v) && compareNumbers(v, node.op, *node.literal.number);
        }
        if (null && node.field == FieldKind::Attribute && node.attribute == Attribute::Parent)
            return false; // no parent: no value
        const std::string_view bytes(
            reinterpret_cast<const char*>(sqlite3_value_text(value)), size_t(sqlite3_value_bytes(value)));
        // A param compared with a number is mostly a plain decimal number itself, one per run (a
        // learning rate drawn at random): read as QString::toDouble reads it, without decoding text.
        if ((node.field == FieldKind::Param || node.field == FieldKind::Tag) && node.literal.number
            && node.op != Op::Match && node.op != Op::NotMatch) {
            double number = 0;
            const auto [end, error] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), number);
            if (error == std::errc() && end == bytes.data() + bytes.size() && std::isfinite(number))
                return compareNumbers(number, node.op, *node.literal.number);
        }
        if (leaf.plainText) {
            if (const auto found = containsAsciiFolded(bytes, *leaf.plainText))
                return node.op == Op::Match ? *found : !*found;
        }
        if (const auto it = leaf.answers.find(bytes); it != leaf.answers.end())
            return it->second;
        const QString text = QString::fromUtf8(bytes.data(), qsizetype(bytes.size()));
        bool answer;
        if (node.field == FieldKind::Param || node.field == FieldKind::Tag) {
            answer = compareValue(text, column_building::parseNumber(text), node);
        } else if (node.attribute == Attribute::Id && (node.op == Op::Eq || node.op == Op::Ne)) {
            const bool prefixed = text.startsWith(node.literal.text, Qt::CaseInsensitive);
            answer = node.op == Op::Eq ? prefixed : !prefixed;
        } else {
            answer = compareText(text, node);
        }
        if (leaf.answers.size() < 65536)
            leaf.answers.emplace(std::string(bytes), answer);
        return answer;
    }

    void sqlMatch(sqlite3_context* context, int, sqlite3_value** args)
    {
        auto* sql = static_cast<SqlContext*>(sqlite3_user_data(context));
        const qint64 leaf = sqlite3_value_int64(args[0]);
        if (leaf < 0 || size_t(leaf) >= sql->leaves.size()) {
            sqlite3_result_error(context, "reprise_match: no such comparison", -1);
            return;
        }
        sqlite3_result_int(context, matchSqlValue(sql->leaves[size_t(leaf)], args[1]) ? 1 : 0);
    }

    /// How costly a condition is to evaluate per run, so that ANDs try the cheap ones first: the
    /// runs' own columns, then params and tags found by key once (a probe per run), then latest
    /// metrics, then params and tags without those indexes (a lookup each).
    int sqlCost(const Node& node, bool keyIndexes)
    {
        if (node.kind != Node::Kind::Compare) {
            int cost = 0;
            for (const auto& c : node.children)
                cost = std::max(cost, sqlCost(*c, keyIndexes));
            return cost;
        }
        if (node.field == FieldKind::Attribute)
            return node.attribute == Attribute::Parent ? 1 : 0;
        if (node.field == FieldKind::Metric)
            return 2;
        return keyIndexes ? 1 : 3;
    }

    /// The status as the run table reads it: an interrupted import (still tagged import.incomplete)
    /// is "incomplete".
    constexpr const char* kStatusSql
        = "CASE WHEN r.status IN ('running', 'killed') AND EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id "
          "AND t.key = 'import.incomplete') THEN 'incomplete' ELSE r.status END";

    QByteArray bindText(SqlContext& sql, const QString& text)
    {
        sql.texts << text.toUtf8();
        return '?' + QByteArray::number(sql.texts.size());
    }

    /// The id of metric `key` as SQL: a subquery that does not depend on the run, which SQLite
    /// evaluates once per statement (instead of joining metric_keys for every run).
    QByteArray metricKeyId(SqlContext& sql, const QString& key)
    {
        return "(SELECT id FROM metric_keys WHERE name = " + bindText(sql, key) + ')';
    }

    /// The SQL condition on `runs r` (joined with `projects p`) for `node`, each comparison a call of
    /// reprise_match on the value it compares.
    QByteArray toSql(const Node& node, SqlContext& sql, double now)
    {
        switch (node.kind) {
        case Node::Kind::And:
        case Node::Kind::Or: {
            std::vector<const Node*> children;
            for (const auto& c : node.children)
                children.push_back(c.get());
            // Same answer in any order (nothing here has side effects); cheap conditions first
            // spare the lookups of the others for runs they already decide.
            std::stable_sort(children.begin(), children.end(), [&](const Node* a, const Node* b) {
                return sqlCost(*a, sql.keyIndexes) < sqlCost(*b, sql.keyIndexes);
            });
            QByteArray out = "(";
            for (size_t i = 0; i < children.size(); ++i) {
                if (i)
                    out += node.kind == Node::Kind::And ? " AND " : " OR ";
                out += toSql(*children[i], sql, now);
            }
            return out + ')';
        }
        case Node::Kind::Not:
            return "(NOT " + toSql(*node.children.front(), sql, now) + ')';
        case Node::Kind::Compare:
            break;
        }
        const QByteArray leaf = QByteArray::number(qsizetype(sql.leaves.size()));
        sql.leaves.push_back({ &node, {}, plainRegexText(node) });
        auto match
            = [&](const QByteArray& value) -> QByteArray { return "reprise_match(" + leaf + ", " + value + ')'; };
        switch (node.field) {
        case FieldKind::Param:
        case FieldKind::Tag: {
            const QByteArray table = node.field == FieldKind::Param ? "params" : "tags";
            // With the index by key, the runs whose value matches are found once, walking that key's
            // entries (SQLite keeps the set the first time the condition is evaluated); without it,
            // each run's value is looked up.
            if (sql.keyIndexes) {
                // Only this read's range of runs: the others' values are not compared at all.
                return "r.id IN (SELECT v.run_id FROM " + table + " v WHERE v.key = " + bindText(sql, node.key)
                    + (sql.runRange.isEmpty() ? QByteArray() : " AND v.run_id" + sql.runRange) + " AND "
                    + match("v.value") + ')';
            }
            return "EXISTS (SELECT 1 FROM " + table + " v WHERE v.run_id = r.id AND v.key = " + bindText(sql, node.key)
                + " AND " + match("v.value") + ')';
        }
        case FieldKind::Metric:
            return "EXISTS (SELECT 1 FROM metric_latest v WHERE v.run_id = r.id AND v.key_id = "
                + metricKeyId(sql, node.key) + " AND " + match("v.value") + ')';
        case FieldKind::Attribute:
            break;
        }
        switch (node.attribute) {
        case Attribute::Id:
            return match("r.uuid");
        case Attribute::Name:
            return match("r.name");
        case Attribute::Project:
            return match("p.name");
        case Attribute::Status:
            return match(kStatusSql);
        case Attribute::Kind:
            return match("r.kind");
        case Attribute::User:
            return match("r.user_name");
        case Attribute::Host:
            return match("r.host");
        case Attribute::Commit:
            return match("r.git_commit");
        case Attribute::Branch:
            return match("r.git_branch");
        case Attribute::Parent:
            return match("(SELECT uuid FROM runs q WHERE q.id = r.parent_id)");
        case Attribute::Started:
            return match("r.start_time");
        case Attribute::Ended:
            return match("r.end_time");
        case Attribute::Duration:
            // RunTable::duration: to `now` while running, never negative.
            return match("max(0.0, coalesce(r.end_time, " + QByteArray::number(now, 'g', 17) + ") - r.start_time)");
        case Attribute::Dirty:
            return match("r.git_dirty");
        case Attribute::Source:
            return "0"; // one database's runs are in no table over several sources
        }
        return "0";
    }

} // namespace

namespace {

    Result<std::shared_ptr<const Node>> parseTree(const QString& text)
    {
        if (text.trimmed().isEmpty())
            return std::shared_ptr<const Node>();
        auto tokens = tokenize(text);
        if (!tokens)
            return tokens.error();
        Parser parser(std::move(*tokens));
        return parser.parseAll();
    }

    /// What a matching read selects of each run kept, in which order, and what it does with each row.
    struct MatchRead {
        /// The select list (SQL on `runs r` and `projects p`); texts it needs bound go through the context.
        std::function<QByteArray(SqlContext&)> select;
        const char* order;
        std::function<void(sqlite3_stmt*)> onRow;
    };

    /// Reads the runs with from <= id < to of `db` that the filter `text` keeps (see
    /// matchingRunIds) as `read` says; the limits of qint64 stand for no limit.
    Status matchRange(const Database& db, const QString& text, double now, const QString& project, qint64 from,
        qint64 to, const MatchRead& read)
    {
        // Parsed here, by the thread that evaluates it: the nodes (and their regular expressions)
        // are this statement's alone, and live as long as it.
        auto root = parseTree(text);
        if (!root)
            return root.error();
        SqlContext context;
        context.keyIndexes = hasKeyLookupIndexes(db);
        const bool bounded = from != std::numeric_limits<qint64>::min() || to != std::numeric_limits<qint64>::max();
        if (bounded) {
            context.runRange = " BETWEEN " + QByteArray::number(from) + " AND "
                + QByteArray::number(to == std::numeric_limits<qint64>::max() ? to : to - 1);
        }
        QByteArray sql
            = "SELECT " + read.select(context) + " FROM runs r JOIN projects p ON p.id = r.project_id WHERE 1";
        if (bounded)
            sql += " AND r.id" + context.runRange;
        if (*root)
            sql += " AND " + toSql(**root, context, now);
        if (!project.isEmpty())
            sql += " AND p.name = " + bindText(context, project);
        sql += QByteArray(" ORDER BY ") + read.order;
        sqlite3* handle = db.handle();
        if (int rc = sqlite3_create_function_v2(
                handle, "reprise_match", 2, SQLITE_UTF8, &context, &sqlMatch, nullptr, nullptr, nullptr);
            rc != SQLITE_OK)
            return db.sqliteError(rc, QStringLiteral("filtering runs"));
        Status status = success();
        {
            ReadTransaction snapshot(db);
            auto s = snapshot.status() ? db.prepare(sql.constData()) : Result<Statement>(snapshot.status().error());
            if (!s) {
                status = s.error();
            } else {
                for (qsizetype i = 0; i < context.texts.size(); ++i)
                    s->bind(int(i + 1), context.texts[i]);
                if (int rc = s->forEachRow([&] { read.onRow(s->handle()); }); rc != SQLITE_DONE)
                    status = db.sqliteError(rc, QStringLiteral("filtering runs"));
            }
        }
        // The function points into this frame: gone with it.
        sqlite3_create_function_v2(
            handle, "reprise_match", 2, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr, nullptr);
        return status;
    }

    /// matchRange over every run of `db`, or from `splitFrom` runs on in two halves of the ids at
    /// once, the upper one on a connection of its own (its snapshot may be a later one). `makeRead`
    /// gives the read of one half, filling its Part; the parts come back in the order of the ids.
    template <typename Part, typename MakeRead>
    Result<std::vector<Part>> matchInHalves(const Database& db, const QString& text, double now, const QString& project,
        size_t splitFrom, const MakeRead& makeRead)
    {
        ReadTransaction snapshot(db); // the count and the lower half: one snapshot (the caller's, if open)
        if (!snapshot.status())
            return snapshot.status().error();
        if (auto root = parseTree(text); !root)
            return root.error();
        // Three subqueries: min() and max() of the key each take one step down the table, where
        // one query with both (and the count) walked every run (~80 ms at a million).
        auto range = db.prepare("SELECT (SELECT count(*) FROM runs), (SELECT coalesce(min(id), 0) FROM runs), "
                                "(SELECT coalesce(max(id), 0) FROM runs)");
        if (!range)
            return range.error();
        if (int rc = range->step(); rc != SQLITE_ROW)
            return db.sqliteError(rc, QStringLiteral("reading runs"));
        const qint64 count = range->int64(0), minId = range->int64(1), maxId = range->int64(2);
        range = Statement();
        constexpr qint64 kNone = std::numeric_limits<qint64>::min(), kAll = std::numeric_limits<qint64>::max();
        std::vector<Part> parts(1);
        if (size_t(std::max<qint64>(count, 0)) < splitFrom || maxId <= minId) {
            if (auto st = matchRange(db, text, now, project, kNone, kAll, makeRead(parts[0])); !st)
                return st.error();
            return parts;
        }
        parts.resize(2);
        const qint64 mid = minId + (maxId - minId) / 2 + 1;
        auto upper = std::async(std::launch::async, [&, path = db.path()]() -> Status {
            auto other = Database::open(path, OpenMode::ReadOnly);
            if (!other)
                return other.error();
            return matchRange(**other, text, now, project, mid, kAll, makeRead(parts[1]));
        });
        const Status lower = matchRange(db, text, now, project, kNone, mid, makeRead(parts[0]));
        const Status higher = upper.get();
        if (!lower)
            return lower.error();
        if (!higher)
            return higher.error();
        return parts;
    }

    std::string columnText(sqlite3_stmt* stmt, int column)
    {
        return { reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)),
            size_t(sqlite3_column_bytes(stmt, column)) };
    }

} // namespace

Result<std::vector<qint64>> matchingRunIds(
    const Database& db, const QString& text, double now, const QString& project, size_t splitFrom)
{
    auto parts = matchInHalves<std::vector<qint64>>(db, text, now, project, splitFrom, [](std::vector<qint64>& ids) {
        return MatchRead { [](SqlContext&) { return QByteArray("r.id"); }, "r.id",
            [&ids](sqlite3_stmt* stmt) { ids.push_back(sqlite3_column_int64(stmt, 0)); } };
    });
    if (!parts)
        return parts.error();
    std::vector<qint64> ids = std::move(parts->front());
    for (size_t i = 1; i < parts->size(); ++i)
        ids.insert(ids.end(), (*parts)[i].begin(), (*parts)[i].end());
    return ids;
}

Result<std::vector<ListedRun>> listMatchingRuns(const Database& db, const QString& text, double now,
    const QString& project, const QStringList& params, const QStringList& metrics, size_t splitFrom)
{
    // A metric logged as a missing value (NULL) reads as 'null', told apart from one never logged
    // (no row).
    const auto select = [&](SqlContext& sql) {
        QByteArray out = "r.uuid, " + QByteArray(kStatusSql) + ", p.name, r.name, r.start_time, r.end_time, r.id";
        for (const QString& key : params)
            out += ", (SELECT value FROM params WHERE run_id = r.id AND key = " + bindText(sql, key) + ')';
        for (const QString& key : metrics) {
            out += ", (SELECT CASE WHEN v.value IS NULL THEN 'null' ELSE v.value END FROM metric_latest v WHERE "
                   "v.run_id = r.id AND v.key_id = "
                + metricKeyId(sql, key) + ')';
        }
        return out;
    };
    const int firstParam = 7, firstMetric = firstParam + int(params.size());
    // Collected in deques (no moves as they grow), ordered at the end through their indexes.
    auto parts
        = matchInHalves<std::deque<ListedRun>>(db, text, now, project, splitFrom, [&](std::deque<ListedRun>& runs) {
              // In the order of the ids: an order by start time would have SQLite walk every run in that
              // order rather than only those the filter finds.
              return MatchRead { select, "r.id", [&](sqlite3_stmt* stmt) {
                                    ListedRun& run = runs.emplace_back();
                                    run.id = columnText(stmt, 0);
                                    run.status = columnText(stmt, 1);
                                    run.project = columnText(stmt, 2);
                                    run.name = columnText(stmt, 3);
                                    run.startTime = sqlite3_column_double(stmt, 4);
                                    run.endTime = sqlite3_column_type(stmt, 5) == SQLITE_NULL
                                        ? std::numeric_limits<double>::quiet_NaN()
                                        : sqlite3_column_double(stmt, 5);
                                    run.rowId = sqlite3_column_int64(stmt, 6);
                                    for (int c = firstParam; c < firstMetric; ++c) {
                                        run.params.push_back(sqlite3_column_type(stmt, c) == SQLITE_NULL
                                                ? std::nullopt
                                                : std::optional(columnText(stmt, c)));
                                    }
                                    for (int c = firstMetric; c < firstMetric + int(metrics.size()); ++c) {
                                        const int type = sqlite3_column_type(stmt, c);
                                        run.metrics.push_back(type == SQLITE_NULL ? std::nullopt
                                                : type == SQLITE_TEXT
                                                ? std::optional(std::numeric_limits<double>::quiet_NaN())
                                                : std::optional(sqlite3_column_double(stmt, c)));
                                    }
                                } };
          });
    if (!parts)
        return parts.error();
    std::deque<ListedRun> found = std::move(parts->front());
    for (size_t i = 1; i < parts->size(); ++i)
        std::move((*parts)[i].begin(), (*parts)[i].end(), std::back_inserter(found));
    std::vector<std::uint32_t> order(found.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        const ListedRun &runA = found[a], &runB = found[b];
        return runA.startTime != runB.startTime ? runA.startTime > runB.startTime : runA.rowId > runB.rowId;
    });
    std::vector<ListedRun> runs;
    runs.reserve(found.size());
    for (const std::uint32_t i : order)
        runs.push_back(std::move(found[i]));
    return runs;
}

QString formatQueryError(const QString& text, const Error& error)
{
    QString out = error.message;
    if (error.position >= 0) {
        out += QStringLiteral("\n  ") + text + QStringLiteral("\n  ") + QString(error.position, u' ')
            + QStringLiteral("^");
    }
    if (!error.hint.isEmpty())
        out += QStringLiteral("\nhint: ") + error.hint;
    return out;
}

} // namespace reprise
