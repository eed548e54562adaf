#include "sources/sources_panel.h"

#include "sources/source_registry.h"
#include "text/display_text.h"

#include <QAction>
#include <QFileInfo>

namespace reprise {

namespace {

    constexpr int kPathRole = Qt::UserRole;
    constexpr int kProjectRole = Qt::UserRole + 1;

    QString conditionText(const SourceInfo& s)
    {
        switch (s.condition()) {
        case SourceCondition::Unreachable:
            return s.error.isEmpty() ? QObject::tr("unreachable (showing what was read)")
                                     : QObject::tr("unreachable: ") + s.error;
        case SourceCondition::Stale:
            return QObject::tr("stale: changed since it was read (View ▸ Read Source Again)");
        case SourceCondition::ReadOnly:
            if (s.kind == SourceKind::TeamStore)
                return QObject::tr("live (followed as the store changes); the login's own runs can be changed");
            return QObject::tr("read-only");
        case SourceCondition::Live:
            break;
        }
        return QObject::tr("live (changes appear as they are written)");
    }

} // namespace

SourcesPanel::SourcesPanel(SourceRegistry* sources, QWidget* parent)
    : QTreeWidget(parent)
    , m_sources(sources)
{
    setHeaderLabel(tr("Sources"));
    setAccessibleName(tr("Sources"));
    setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        Q_EMIT chosen(item->data(0, kPathRole).toString(), item->data(0, kProjectRole).toString());
    });
    auto* close = new QAction(tr("Close Source"), this);
    connect(close, &QAction::triggered, this, [this] {
        if (QTreeWidgetItem* item = currentItem())
            Q_EMIT closeRequested(item->data(0, kPathRole).toString());
    });
    addAction(close);
    connect(m_sources, &SourceRegistry::sourcesChanged, this, &SourcesPanel::fill);
}

QString SourcesPanel::label(const SourceInfo& s)
{
    const QString name = visibleText(s.name());
    if (!s.error.isEmpty())
        return name + tr("  · unreachable");
    const QString label = name + QStringLiteral("  (%1)").arg(s.runs);
    if (s.kind == SourceKind::TeamStore) // followed live; the store itself says whose runs may change
        return label + QStringLiteral("  · ") + toString(s.kind);
    if (s.foreign)
        return label + QStringLiteral("  · ") + toString(s.kind)
            + (s.gone         ? tr(", unreachable (showing what was read)")
                    : s.stale ? tr(", stale (changed since read: View ▸ Read Source Again)")
                              : tr(", read-only"));
    if (s.readOnly)
        return label + tr("  · read-only");
    return label;
}

void SourcesPanel::setCurrent(const QString& path)
{
    m_current = path;
    fill();
}

void SourcesPanel::fill()
{
    clear();
    const QStringList paths = m_sources->paths();
    if (paths.size() >= 2) {
        // No count: a run synced to a team store is in two sources and shown once.
        auto* all = new QTreeWidgetItem(this, { tr("All sources") });
        all->setToolTip(0,
            tr("The runs of every open source in one table, with a Source column; filter with e.g. "
               "source = \"runs.db\" or source ~ \"team\" (the names in the Source column). A run held "
               "by several sources (synced) is shown once."));
        all->setData(0, kPathRole, allSources());
        QFont font = all->font(0);
        font.setBold(m_current == allSources());
        all->setFont(0, font);
    }
    for (const QString& path : paths) {
        const SourceInfo s = m_sources->info(path);
        auto* item = new QTreeWidgetItem(this, { label(s) });
        const QString where = s.foreign
            ? tr("Location: %1\nRead into: %2 (read-only; read again when the source changes)")
                  .arg(visibleText(s.location), visibleText(path))
            : tr("Location: %1").arg(visibleText(path));
        item->setToolTip(
            0, plainToolTip(toString(s.kind) + u'\n' + where + u'\n' + tr("State: ") + visibleText(conditionText(s))));
        item->setData(0, kPathRole, path);
        QFont font = item->font(0);
        font.setBold(path == m_current);
        item->setFont(0, font);
        for (auto it = s.projects.begin(); it != s.projects.end(); ++it) {
            // A project without runs is not shown: `reprise run` files a run under "default" until the
            // Python client it starts names the run's own project, which leaves "default" empty.
            if (it.value() == 0)
                continue;
            auto* child
                = new QTreeWidgetItem(item, { QStringLiteral("%1  (%2)").arg(visibleText(it.key())).arg(it.value()) });
            child->setData(0, kPathRole, path);
            child->setData(0, kProjectRole, it.key());
            child->setToolTip(0, plainToolTip(visibleText(it.key())));
        }
        item->setExpanded(true);
    }
}

} // namespace reprise
