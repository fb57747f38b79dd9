#include "PaletteWidget.h"

#include "CanvasStyle.h"
#include "layers/LayerRegistry.h"
#include "ModuleLibrary.h"
#include "document/Project.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mc {

namespace {

constexpr int kEntryRole = Qt::UserRole + 1;
constexpr int kDocRole = Qt::UserRole + 2;

/// A tree whose items drag as PaletteEntry MIME data.
class PaletteTree : public QTreeWidget
{
public:
    using QTreeWidget::QTreeWidget;

protected:
    QStringList mimeTypes() const override { return {PaletteEntry::mimeType()}; }
    QMimeData *mimeData(const QList<QTreeWidgetItem *> &items) const override
    {
        for (QTreeWidgetItem *item : items)
            if (const auto entry = PaletteWidget::entryOf(item))
                return entry->toMimeData();
        return nullptr;
    }
};

QIcon swatch(const QColor &color, qreal dpr)
{
    const int size = 14;
    QPixmap pm(QSize(size, size) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(color.darker(130));
    p.setBrush(color);
    p.drawRoundedRect(QRectF(1.5, 3.5, size - 3, size - 6), 2.5, 2.5);
    return QIcon(pm);
}

} // namespace

PaletteWidget::PaletteWidget(Project *project, QWidget *parent)
    : QWidget(parent), m_project(project), m_search(new QLineEdit(this)), m_tree(new PaletteTree(this))
{
    m_search->setPlaceholderText(tr("Search layers and modules"));
    m_search->setClearButtonEnabled(true);
    m_tree->setHeaderHidden(true);
    m_tree->setDragEnabled(true);
    m_tree->setDragDropMode(QAbstractItemView::DragOnly);
    m_tree->setRootIsDecorated(true);
    m_tree->setIndentation(12);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(m_search);
    layout->addWidget(m_tree, 1);

    QTreeWidgetItem *ports = addGroup(tr("Inputs and outputs"));
    addEntry(ports, PaletteEntry{PaletteEntry::Kind::Input, QStringLiteral("Input")}, QStringLiteral("Port"),
             tr("An input of the module type: the data that comes in."));
    addEntry(ports, PaletteEntry{PaletteEntry::Kind::Output, QStringLiteral("Output")}, QStringLiteral("Port"),
             tr("An output of the module type: the result it gives back."));
    QHash<QString, QTreeWidgetItem *> groups;
    for (const mc::LayerDefinition &spec : mc::LayerRegistry::all()) {
        if (!groups.contains(spec.category))
            groups.insert(spec.category, addGroup(spec.category));
        addEntry(groups.value(spec.category), PaletteEntry{PaletteEntry::Kind::Layer, spec.name}, spec.category,
                 spec.doc);
    }
    QTreeWidgetItem *containers = addGroup(tr("Containers"));
    addEntry(containers, PaletteEntry{PaletteEntry::Kind::Stack, QString()}, QStringLiteral("Stack"),
             tr("A stack of blocks of one module type, each with its own arguments (nn.ModuleList), "
                "applied in order."))
        ->setText(0, tr("Stack"));
    m_projectGroup = addGroup(tr("Project module types"));
    QTreeWidgetItem *library = addGroup(tr("Library"));
    for (const ModuleType &t : ModuleLibrary::types())
        addEntry(library, PaletteEntry{PaletteEntry::Kind::Library, t.name}, QStringLiteral("Module"),
                 t.description + tr(" (Copied into the project when used.)"));
    rebuildProjectTypes();
    m_tree->expandAll();

    connect(m_search, &QLineEdit::textChanged, this, &PaletteWidget::setFilter);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        if (const auto entry = entryOf(item))
            Q_EMIT entryActivated(*entry);
    });
    connect(m_tree, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const auto entry = entryOf(m_tree->itemAt(pos));
        if (entry && entry->kind == PaletteEntry::Kind::Type)
            Q_EMIT typeMenuRequested(entry->name, m_tree->viewport()->mapToGlobal(pos));
    });
    connect(m_project, &Project::typeAdded, this, &PaletteWidget::rebuildProjectTypes);
    connect(m_project, &Project::typeRemoved, this, &PaletteWidget::rebuildProjectTypes);
    connect(m_project, &Project::typeRenamed, this, &PaletteWidget::rebuildProjectTypes);
    connect(m_project, &Project::typeChanged, this, &PaletteWidget::rebuildProjectTypes);
    connect(m_project, &Project::rootChanged, this, &PaletteWidget::rebuildProjectTypes);
    connect(m_project, &Project::reset, this, &PaletteWidget::rebuildProjectTypes);
}

QTreeWidgetItem *PaletteWidget::addGroup(const QString &title)
{
    auto *group = new QTreeWidgetItem(m_tree, {title});
    group->setFlags(Qt::ItemIsEnabled);
    QFont f = group->font(0);
    f.setBold(true);
    group->setFont(0, f);
    return group;
}

QTreeWidgetItem *PaletteWidget::addEntry(QTreeWidgetItem *group, const PaletteEntry &entry, const QString &category,
                                         const QString &doc)
{
    auto *item = new QTreeWidgetItem(group, {entry.name});
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    item->setData(0, kEntryRole, entry.toBytes());
    item->setData(0, kDocRole, doc);
    item->setToolTip(0, doc);
    item->setIcon(0, swatch(CanvasStyle::category(category, palette()), devicePixelRatioF()));
    return item;
}

void PaletteWidget::rebuildProjectTypes()
{
    // Only the names, descriptions and root mark can change: rebuild when they do.
    QStringList wanted;
    for (const ModuleType &t : m_project->types())
        wanted.append(t.name + QLatin1Char('\n') + t.description + (t.name == m_project->rootType() ? QStringLiteral("*") : QString()));
    QStringList have;
    for (int k = 0; k < m_projectGroup->childCount(); ++k)
        have.append(m_projectGroup->child(k)->data(0, Qt::UserRole + 3).toString());
    if (wanted == have)
        return;
    qDeleteAll(m_projectGroup->takeChildren());
    for (const ModuleType &t : m_project->types()) {
        const bool root = t.name == m_project->rootType();
        QString doc = t.description.isEmpty() ? tr("A module type of this project.") : t.description;
        if (root)
            doc += tr(" This is the model the project trains and exports.");
        QTreeWidgetItem *item = addEntry(m_projectGroup, PaletteEntry{PaletteEntry::Kind::Type, t.name},
                                         QStringLiteral("Module"), doc);
        item->setData(0, Qt::UserRole + 3, t.name + QLatin1Char('\n') + t.description + (root ? QStringLiteral("*") : QString()));
        if (root) {
            item->setText(0, tr("%1 (model)").arg(t.name));
            QFont f = item->font(0);
            f.setItalic(true);
            item->setFont(0, f);
        }
    }
    m_projectGroup->setExpanded(true);
    setFilter(m_search->text());
}

void PaletteWidget::setFilter(const QString &text)
{
    if (m_search->text() != text)
        m_search->setText(text);
    const QString needle = text.trimmed();
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem *group = m_tree->topLevelItem(g);
        int shown = 0;
        for (int k = 0; k < group->childCount(); ++k) {
            QTreeWidgetItem *item = group->child(k);
            const bool match = needle.isEmpty() || item->text(0).contains(needle, Qt::CaseInsensitive) ||
                               item->data(0, kDocRole).toString().contains(needle, Qt::CaseInsensitive);
            item->setHidden(!match);
            shown += match ? 1 : 0;
        }
        group->setHidden(shown == 0 && !needle.isEmpty());
        if (!needle.isEmpty())
            group->setExpanded(true);
    }
}

QTreeWidgetItem *PaletteWidget::itemFor(const PaletteEntry &entry) const
{
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem *group = m_tree->topLevelItem(g);
        for (int k = 0; k < group->childCount(); ++k)
            if (entryOf(group->child(k)) == entry)
                return group->child(k);
    }
    return nullptr;
}

std::optional<PaletteEntry> PaletteWidget::entryOf(const QTreeWidgetItem *item)
{
    if (!item)
        return std::nullopt;
    const QByteArray bytes = item->data(0, kEntryRole).toByteArray();
    if (bytes.isEmpty())
        return std::nullopt;
    return PaletteEntry::fromBytes(bytes);
}

} // namespace mc
