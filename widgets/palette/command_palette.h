#pragma once

#include <QDialog>
#include <QList>

class QAction;
class QLineEdit;
class QMenuBar;
class QListWidget;

namespace reprise {

/// Offers `action` in the command palette under `name` (e.g. "Compare ▸ Group by seed") even when
/// no menu holds it, as views do with their own controls and settings; `synonyms` are other words
/// people type for it ("chart", "plot" for Compare). Kept on the action as dynamic properties, so a
/// view marks its actions without knowing the palette's window.
void offerInPalette(QAction* action, const QString& name, const QStringList& synonyms = {});
/// Other words that find `action` in the palette (a menu's action keeps its menu path as its name).
void setPaletteSynonyms(QAction* action, const QStringList& synonyms);

/// Ctrl+K: every action of the window by name. Typing narrows the list (each word must start a word
/// of the name or of one of its synonyms, in any order, case-insensitively); Enter or a click runs
/// the highlighted action; Esc closes. Disabled actions are listed greyed out so people learn they
/// exist.
class CommandPalette : public QDialog {
    Q_OBJECT
public:
    explicit CommandPalette(QWidget* parent = nullptr);

    /// The actions to offer (menu paths are part of their names, e.g. "Run ▸ Archive").
    void setActions(const QList<QPair<QString, QAction*>>& actions);
    /// Every action of a menu bar, named by its menu path as the menus show it ("Runs ▸ Archive").
    static QList<QPair<QString, QAction*>> menuActions(const QMenuBar* bar);
    /// The actions under `root` offered with offerInPalette(), by their palette names.
    static QList<QPair<QString, QAction*>> offeredActions(const QWidget* root);
    /// Shows the palette over the window with an empty query.
    void popUp();
    void setQuery(const QString& text);
    /// Names of the actions the current query lists, in order.
    QStringList shownNames() const;
    /// Runs the highlighted action (if enabled) and closes.
    void runCurrent();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refill();

    QList<QPair<QString, QAction*>> m_actions;
    QLineEdit* m_query;
    QListWidget* m_list;
};

} // namespace reprise
