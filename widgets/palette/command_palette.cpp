#include "palette/command_palette.h"

#include "text/display_text.h"

#include <QAction>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QVBoxLayout>

namespace reprise {

namespace {
    const char* const kPaletteName = "reprise.paletteName";
    const char* const kSynonyms = "reprise.paletteSynonyms";

    /// Whether `word` starts a word of `text` ("comp" finds "Go ▸ Compare", "pare" does not).
    bool startsAWord(const QString& text, const QString& word)
    {
        for (qsizetype at = text.indexOf(word, 0, Qt::CaseInsensitive); at >= 0;
             at = text.indexOf(word, at + 1, Qt::CaseInsensitive)) {
            if (at == 0 || !text[at - 1].isLetterOrNumber())
                return true;
        }
        return false;
    }
} // namespace

void offerInPalette(QAction* action, const QString& name, const QStringList& synonyms)
{
    action->setProperty(kPaletteName, name);
    if (!synonyms.isEmpty())
        setPaletteSynonyms(action, synonyms);
}

void setPaletteSynonyms(QAction* action, const QStringList& synonyms) { action->setProperty(kSynonyms, synonyms); }

CommandPalette::CommandPalette(QWidget* parent)
    : QDialog(parent, Qt::Popup)
    , m_query(new QLineEdit(this))
    , m_list(new QListWidget(this))
{
    setAccessibleName(tr("Command palette"));
    m_query->setPlaceholderText(tr("Type a command, e.g. archive, compare, open…"));
    m_query->setAccessibleName(tr("Command"));
    m_list->setAccessibleName(tr("Matching commands"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_query);
    layout->addWidget(m_list);
    resize(520, 360);
    connect(m_query, &QLineEdit::textChanged, this, &CommandPalette::refill);
    connect(m_query, &QLineEdit::returnPressed, this, &CommandPalette::runCurrent);
    connect(m_list, &QListWidget::itemActivated, this, &CommandPalette::runCurrent);
    // Up/Down in the query move through the list without leaving the text.
    m_query->installEventFilter(this);
}

void CommandPalette::setActions(const QList<QPair<QString, QAction*>>& actions)
{
    m_actions = actions;
    refill();
}

void CommandPalette::popUp()
{
    if (QWidget* window = parentWidget() ? parentWidget()->window() : nullptr)
        move(window->geometry().center() - QPoint(width() / 2, window->height() / 3));
    m_query->clear();
    refill();
    show();
    m_query->setFocus();
}

void CommandPalette::setQuery(const QString& text) { m_query->setText(text); }

QStringList CommandPalette::shownNames() const
{
    QStringList names;
    for (int i = 0; i < m_list->count(); ++i)
        names << m_list->item(i)->data(Qt::UserRole + 1).toString();
    return names;
}

void CommandPalette::refill()
{
    m_list->clear();
    const QStringList words = m_query->text().split(u' ', Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < m_actions.size(); ++i) {
        const auto& [name, action] = m_actions[i];
        const QStringList synonyms = action->property(kSynonyms).toStringList();
        const bool matches = std::all_of(words.begin(), words.end(), [&](const QString& w) {
            return startsAWord(name, w)
                || std::any_of(synonyms.begin(), synonyms.end(), [&](const QString& s) { return startsAWord(s, w); });
        });
        if (!matches)
            continue;
        // The shortcut beside the name: the palette is also how people learn the keys.
        const QString keys = action->shortcut().toString(QKeySequence::NativeText);
        // Names include recent files' paths: shown as plain, visible text.
        const QString shown = visibleText(name);
        auto* item = new QListWidgetItem(keys.isEmpty() ? shown : shown + QStringLiteral("    ") + keys, m_list);
        item->setData(Qt::UserRole, int(i));
        item->setData(Qt::UserRole + 1, name);
        if (!action->isEnabled())
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
    }
    // The first enabled match is the one Enter runs.
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->flags() & Qt::ItemIsEnabled) {
            m_list->setCurrentRow(i);
            break;
        }
    }
}

void CommandPalette::runCurrent()
{
    QListWidgetItem* item = m_list->currentItem();
    if (!item || !(item->flags() & Qt::ItemIsEnabled))
        return;
    QAction* action = m_actions.value(item->data(Qt::UserRole).toInt()).second;
    hide();
    if (action)
        action->trigger();
}

bool CommandPalette::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_query && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Down || key == Qt::Key_Up) {
            const int step = key == Qt::Key_Down ? 1 : -1;
            const int row = std::clamp(m_list->currentRow() + step, 0, std::max(0, m_list->count() - 1));
            m_list->setCurrentRow(row);
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

QList<QPair<QString, QAction*>> CommandPalette::menuActions(const QMenuBar* bar)
{
    QList<QPair<QString, QAction*>> out;
    // The text as the menu shows it: a single '&' marks a mnemonic, "&&" is a literal '&' (paths
    // of recent files have them).
    auto shown = [](const QString& text) {
        QString plain;
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (text[i] == u'&' && ++i >= text.size())
                break;
            plain += text[i];
        }
        return plain;
    };
    std::function<void(const QMenu*, const QString&)> walk = [&](const QMenu* menu, const QString& path) {
        for (QAction* action : menu->actions()) {
            const QString name = path + shown(action->text());
            if (action->menu())
                walk(action->menu(), name + QStringLiteral(" ▸ "));
            else if (!action->isSeparator() && !action->text().isEmpty())
                out.append({ name, action });
        }
    };
    for (QAction* top : bar->actions()) {
        if (top->menu())
            walk(top->menu(), shown(top->text()) + QStringLiteral(" ▸ "));
    }
    return out;
}

QList<QPair<QString, QAction*>> CommandPalette::offeredActions(const QWidget* root)
{
    QList<QPair<QString, QAction*>> out;
    for (QAction* action : root->findChildren<QAction*>()) {
        const QString name = action->property(kPaletteName).toString();
        if (!name.isEmpty())
            out.append({ name, action });
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

} // namespace reprise
