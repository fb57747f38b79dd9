#include "DocumentEditor.h"

#include "CanvasMetrics.h"
#include "GraphLayout.h"
#include "layers/LayerRegistry.h"
#include "ModuleLibrary.h"
#include "document/ProjectFile.h"
#include "SnapshotCommand.h"
#include "training/TrainingSettings.h"

#include <QJsonDocument>
#include <QSet>
#include <QTimer>
#include <QUndoStack>

#include <algorithm>
#include <cmath>

namespace mc {

namespace {

double snap(double v)
{
    return std::round(v / CanvasMetrics::kGrid) * CanvasMetrics::kGrid;
}

QString failText(const QString &why)
{
    return why.isEmpty() ? QStringLiteral("The edit is not possible.") : why;
}

/// `{"arg": a}` values that `target` cannot resolve become the constant the
/// source type's argument defaults to.
OptionValue translated(const OptionValue &v, const ModuleType &source, const ModuleType &target)
{
    if (!v.isArgument() || target.argument(v.argument))
        return v;
    const Argument *a = source.argument(v.argument);
    return OptionValue::constant(a ? a->defaultValue : 0.0);
}

ShapeDecl translated(const ShapeDecl &shape, const ModuleType &source, const ModuleType &target)
{
    ShapeDecl out;
    for (const OptionValue &d : shape)
        out.append(translated(d, source, target));
    return out;
}

OptionMap translated(const OptionMap &options, const ModuleType &source, const ModuleType &target)
{
    OptionMap out;
    for (auto it = options.begin(); it != options.end(); ++it)
        out.insert(it.key(), translated(it.value(), source, target));
    return out;
}

} // namespace

DocumentEditor::DocumentEditor(Project *project, QObject *parent)
    : QObject(parent), m_project(project), m_undo(new QUndoStack(this)), m_analysisTimer(new QTimer(this))
{
    m_analysisTimer->setSingleShot(true);
    m_analysisTimer->setInterval(0);
    connect(m_analysisTimer, &QTimer::timeout, this, [this] {
        // Someone may have asked for the analysis since the edit (a scene being
        // built does): notify whenever it differs from the one last announced.
        const auto current = analysis();
        if (current != m_announced) {
            m_announced = current;
            Q_EMIT analysisUpdated();
        }
    });
    connect(m_project, &Project::changed, this, &DocumentEditor::scheduleAnalysis);
    // Every change but a move can change sizes, counts or problems; a move
    // cannot, so moves alone keep the analysis they had.
    auto structural = [this] { m_structural = true; };
    connect(m_project, &Project::reset, this, structural);
    connect(m_project, &Project::rootChanged, this, structural);
    connect(m_project, &Project::trainingChanged, this, structural);
    connect(m_project, &Project::typeAdded, this, structural);
    connect(m_project, &Project::typeRemoved, this, structural);
    connect(m_project, &Project::typeRenamed, this, structural);
    connect(m_project, &Project::typeChanged, this, structural);
    connect(m_project, &Project::nodeAdded, this, structural);
    connect(m_project, &Project::nodeRemoved, this, structural);
    connect(m_project, &Project::nodeChanged, this, structural);
    connect(m_project, &Project::wireAdded, this, structural);
    connect(m_project, &Project::wireRemoved, this, structural);
    connect(m_project, &Project::instanceAdded, this, structural);
    connect(m_project, &Project::instanceRemoved, this, structural);
    connect(m_project, &Project::instanceRenamed, this, structural);
    connect(m_project, &Project::instanceChanged, this, structural);
}

DocumentEditor::~DocumentEditor() = default;

void DocumentEditor::scheduleAnalysis()
{
    m_stale = true;
    if (!m_analysisTimer->isActive())
        m_analysisTimer->start();
}

std::shared_ptr<const AnalysisSnapshot> DocumentEditor::analysis()
{
    if (!m_analysis || (m_stale && m_structural)) {
        // Built on the analysis before the edit: unchanged module types are reused.
        m_analysis = std::make_shared<const AnalysisSnapshot>(m_project->data(), m_analysis.get());
        m_structural = false;
    }
    m_stale = false;
    return m_analysis;
}

void DocumentEditor::resetDocument(const ProjectData &data)
{
    m_undo->clear();
    m_project->setData(data);
    m_undo->setClean();
}

ProjectData DocumentEditor::emptyProject()
{
    ModuleType t;
    t.name = QStringLiteral("Model");
    Node x;
    x.id = 1;
    x.kind = NodeKind::Input;
    x.name = QStringLiteral("x");
    x.pos = QPointF(0, 0);
    Node y;
    y.id = 2;
    y.kind = NodeKind::Output;
    y.name = QStringLiteral("y");
    y.pos = QPointF(400, 0);
    t.nodes = {x, y};
    ProjectData d;
    d.root = t.name;
    d.types = {t};
    return d;
}

EditResult DocumentEditor::perform(const QString &text, const std::function<EditResult()> &edit, int mergeId,
                                   const QString &mergeKey)
{
    const ProjectData before = m_project->data();
    const EditResult r = edit();
    if (!r) {
        // A composite edit may have gone half way: put the document back.
        SnapshotCommand::apply(*m_project, m_project->data(), before);
        return r;
    }
    const ProjectData after = m_project->data();
    if (after == before)
        return r;
    m_undo->push(new SnapshotCommand(m_project, text, before, after, mergeId, mergeKey));
    return r;
}

std::optional<int> DocumentEditor::performAdd(const QString &text,
                                              const std::function<std::optional<int>(QString *)> &add,
                                              QString *why)
{
    std::optional<int> id;
    const EditResult r = perform(text, [&] {
        QString reason;
        id = add(&reason);
        return id ? EditResult::success() : EditResult::failure(failText(reason));
    });
    if (!r) {
        if (why)
            *why = r.reason;
        return std::nullopt;
    }
    return id;
}

void DocumentEditor::placeClear(const QString &type, const QList<int> &fresh)
{
    const ModuleType *t = m_project->type(type);
    if (!t || fresh.isEmpty())
        return;
    const QPointF d = GraphLayout::clearOffset(*t, fresh, [&](int id) {
        const Node *n = t->node(id);
        const auto [ins, outs] = m_project->portCounts(type, id);
        return QSizeF(CanvasMetrics::nodeWidth(n->kind), CanvasMetrics::nodeHeight(n->kind, ins, outs));
    });
    if (d.isNull())
        return;
    QHash<int, QPointF> moved;
    for (int id : fresh)
        if (const Node *n = t->node(id))
            moved.insert(id, n->pos + d);
    for (auto it = moved.cbegin(); it != moved.cend(); ++it)
        m_project->moveNode(type, it.key(), it.value());
}

std::optional<int> DocumentEditor::placedClear(const QString &type, std::optional<int> id)
{
    if (id)
        placeClear(type, {*id});
    return id;
}

// --- questions -------------------------------------------------------------------

QString DocumentEditor::instanceBaseName(const QString &typeName)
{
    if (const mc::LayerDefinition *layer = mc::LayerRegistry::find(typeName))
        return layer->instanceName;
    if (typeName == kStackType)
        return QStringLiteral("blocks");
    // PascalCase to snake_case, keeping runs of capitals together (MLP → mlp).
    QString out;
    for (int k = 0; k < typeName.size(); ++k) {
        const QChar c = typeName.at(k);
        if (c.isUpper() && k > 0) {
            const QChar prev = typeName.at(k - 1);
            const bool nextLower = k + 1 < typeName.size() && typeName.at(k + 1).isLower();
            if (prev.isLower() || prev.isDigit() || (prev.isUpper() && nextLower))
                out += QLatin1Char('_');
        }
        out += c.toLower();
    }
    if (!Project::checkIdentifier(out, QString()))
        out = QStringLiteral("m");
    return out;
}

QString DocumentEditor::uniqueTypeName(const QString &base) const
{
    QString stem = base;
    while (!stem.isEmpty() && stem.back().isDigit())
        stem.chop(1);
    if (stem.isEmpty())
        stem = QStringLiteral("Module");
    auto taken = [&](const QString &n) {
        return m_project->type(n) || mc::LayerRegistry::isBuiltin(n) || n == kStackType;
    };
    if (!taken(base) && Project::checkIdentifier(base, QString()))
        return base;
    for (int k = 1;; ++k) {
        const QString candidate = stem + QString::number(k);
        if (!taken(candidate))
            return candidate;
    }
}

QString DocumentEditor::uniquePortName(const QString &type, NodeKind kind, const QString &base) const
{
    QSet<QString> names;
    if (const ModuleType *t = m_project->type(type))
        for (const Node *p : t->ports(kind))
            names.insert(p->name);
    QString stem = base;
    while (!stem.isEmpty() && stem.back().isDigit())
        stem.chop(1);
    if (stem.isEmpty())
        stem = kind == NodeKind::Input ? QStringLiteral("x") : QStringLiteral("y");
    if (!names.contains(base) && Project::checkIdentifier(base, QString()))
        return base;
    for (int k = 1;; ++k)
        if (!names.contains(stem + QString::number(k)))
            return stem + QString::number(k);
}

OptionMap DocumentEditor::nextStackRow(const QString &type, const QString &instance)
{
    const ModuleType *t = m_project->type(type);
    const Instance *stack = t ? t->instance(instance) : nullptr;
    if (!stack || !stack->isStack() || stack->rows.isEmpty())
        return {};
    OptionMap row = stack->rows.last();
    const ModuleType *block = m_project->type(stack->blockType);
    const QList<const Node *> inputs = block ? block->ports(NodeKind::Input) : QList<const Node *>{};
    if (inputs.size() != 1 || inputs.first()->shape.isEmpty() || !inputs.first()->shape.last().isArgument())
        return row;
    const QString sizeArgument = inputs.first()->shape.last().argument;
    const std::shared_ptr<const TypeEval> view = analysis()->analysis().view(type);
    const InstanceEval *eval = view ? view->instance(instance) : nullptr;
    if (!eval || eval->blocks.size() != stack->rows.size() || !eval->blocks.last() ||
        eval->blocks.last()->outputs.isEmpty())
        return row;
    const qint64 size = eval->blocks.last()->outputs.first().dim(-1);
    if (size > 0)
        row.insert(sizeArgument, OptionValue::constant(double(size)));
    return row;
}

QString DocumentEditor::wireProblem(const QString &type, const Wire &wire, const std::optional<Wire> &lifted)
{
    const std::shared_ptr<const AnalysisSnapshot> before = analysis();
    ProjectData trial = before->data();
    auto t = std::find_if(trial.types.begin(), trial.types.end(), [&](const ModuleType &m) { return m.name == type; });
    if (t == trial.types.end())
        return {};
    // An input takes one wire: the new one replaces what it had.
    t->wires.erase(std::remove_if(t->wires.begin(), t->wires.end(),
                                  [&](const Wire &w) { return (lifted && w == *lifted) || w.to == wire.to; }),
                   t->wires.end());
    t->wires.append(wire);
    const AnalysisSnapshot after(trial, before.get());
    const QList<Diagnostic> &old = before->analysis().diagnostics();
    QString elsewhere;
    for (const Diagnostic &d : after.analysis().diagnostics()) {
        if (d.severity != Diagnostic::Severity::Error || old.contains(d))
            continue;
        if (d.type == type && d.node == wire.to.node)
            return d.message;
        if (elsewhere.isEmpty())
            elsewhere = d.type == type ? d.message : QStringLiteral("In `%1`: %2").arg(d.type, d.message);
    }
    return elsewhere;
}

QStringList DocumentEditor::stackableTypes(const QString &type) const
{
    QStringList out;
    for (const ModuleType &t : m_project->types()) {
        if (t.name == type || m_project->typeUses(t.name, type))
            continue;
        if (t.ports(NodeKind::Input).size() == 1 && t.ports(NodeKind::Output).size() == 1)
            out.append(t.name);
    }
    return out;
}

const Instance *DocumentEditor::instanceOf(const QString &type, int node) const
{
    const ModuleType *t = m_project->type(type);
    const Node *n = t ? t->node(node) : nullptr;
    if (!n || n->kind != NodeKind::Call)
        return nullptr;
    return t->instance(n->name);
}

QString DocumentEditor::innerTypeOf(const QString &type, int node) const
{
    const Instance *i = instanceOf(type, node);
    if (!i)
        return {};
    const QString inner = i->isStack() ? i->blockType : i->type;
    return m_project->type(inner) ? inner : QString();
}

// --- adding ----------------------------------------------------------------------

std::optional<int> DocumentEditor::addEntry(const QString &type, const PaletteEntry &entry, QPointF pos,
                                            QString *why)
{
    switch (entry.kind) {
    case PaletteEntry::Kind::Layer: return addLayer(type, entry.name, pos, why);
    case PaletteEntry::Kind::Input: return addPort(type, NodeKind::Input, pos, why);
    case PaletteEntry::Kind::Output: return addPort(type, NodeKind::Output, pos, why);
    case PaletteEntry::Kind::Type: return addModule(type, entry.name, pos, why);
    case PaletteEntry::Kind::Library: return addLibraryModule(type, entry.name, pos, why);
    case PaletteEntry::Kind::Stack: return addStack(type, entry.name, pos, why);
    }
    return std::nullopt;
}

std::optional<int> DocumentEditor::addLayer(const QString &type, const QString &layer, QPointF pos, QString *why)
{
    return performAdd(QStringLiteral("Add %1").arg(layer), [&](QString *reason) -> std::optional<int> {
        if (!mc::LayerRegistry::isBuiltin(layer)) {
            *reason = QStringLiteral("There is no built-in layer `%1`.").arg(layer);
            return std::nullopt;
        }
        Instance i;
        i.type = layer;
        i.name = m_project->uniqueInstanceName(type, instanceBaseName(layer));
        return placedClear(type, m_project->addCall(type, i, pos, reason));
    }, why);
}

std::optional<int> DocumentEditor::rawAddModule(const QString &type, const QString &moduleType, QPointF pos,
                                                QString *why)
{
    if (!m_project->type(moduleType)) {
        *why = QStringLiteral("There is no module type `%1`.").arg(moduleType);
        return std::nullopt;
    }
    Instance i;
    i.type = moduleType;
    i.name = m_project->uniqueInstanceName(type, instanceBaseName(moduleType));
    return placedClear(type, m_project->addCall(type, i, pos, why));
}

std::optional<int> DocumentEditor::addModule(const QString &type, const QString &moduleType, QPointF pos,
                                             QString *why)
{
    return performAdd(QStringLiteral("Add %1").arg(moduleType), [&](QString *reason) {
        return rawAddModule(type, moduleType, pos, reason);
    }, why);
}

QString DocumentEditor::rawImportLibrary(const QString &libraryType, QString *why)
{
    const ModuleType *lib = ModuleLibrary::find(libraryType);
    if (!lib) {
        *why = QStringLiteral("The library has no module type `%1`.").arg(libraryType);
        return {};
    }
    if (const ModuleType *existing = m_project->type(lib->name)) {
        ModuleType same = *lib;
        same.name = existing->name;
        if (*existing == same)
            return existing->name;
    }
    ModuleType copy = *lib;
    copy.name = uniqueTypeName(lib->name);
    if (EditResult r = m_project->addType(copy); !r) {
        *why = r.reason;
        return {};
    }
    return copy.name;
}

std::optional<int> DocumentEditor::addLibraryModule(const QString &type, const QString &libraryType, QPointF pos,
                                                    QString *why)
{
    return performAdd(QStringLiteral("Add %1").arg(libraryType), [&](QString *reason) -> std::optional<int> {
        const QString name = rawImportLibrary(libraryType, reason);
        if (name.isEmpty())
            return std::nullopt;
        return rawAddModule(type, name, pos, reason);
    }, why);
}

std::optional<int> DocumentEditor::addStack(const QString &type, const QString &blockType, QPointF pos,
                                            QString *why)
{
    return performAdd(QStringLiteral("Add stack"), [&](QString *reason) -> std::optional<int> {
        QString block = blockType;
        if (block.isEmpty()) {
            block = stackableTypes(type).value(0);
            if (block.isEmpty())
                block = rawImportLibrary(QStringLiteral("Block"), reason);
            if (block.isEmpty())
                return std::nullopt;
        } else if (!stackableTypes(type).contains(block)) {
            *reason = m_project->type(block)
                          ? QStringLiteral("A stack chains its blocks, so `%1` needs one input and one output, "
                                           "and must not contain `%2`.").arg(block, type)
                          : QStringLiteral("There is no module type `%1`.").arg(block);
            return std::nullopt;
        }
        Instance i;
        i.type = kStackType;
        i.blockType = block;
        i.rows = {OptionMap{}};
        i.name = m_project->uniqueInstanceName(type, instanceBaseName(kStackType));
        return placedClear(type, m_project->addCall(type, i, pos, reason));
    }, why);
}

std::optional<int> DocumentEditor::addPort(const QString &type, NodeKind kind, QPointF pos, QString *why)
{
    const bool input = kind == NodeKind::Input;
    return performAdd(input ? QStringLiteral("Add input") : QStringLiteral("Add output"), [&](QString *reason) {
        const QString name = uniquePortName(type, kind, input ? QStringLiteral("x") : QStringLiteral("y"));
        return placedClear(type, m_project->addPort(type, kind, name, pos, {}, reason));
    }, why);
}

std::optional<int> DocumentEditor::addSharedCall(const QString &type, int node, QPointF pos, QString *why)
{
    return performAdd(QStringLiteral("Call instance again"), [&](QString *reason) -> std::optional<int> {
        const ModuleType *t = m_project->type(type);
        const Node *n = t ? t->node(node) : nullptr;
        if (!n || n->kind != NodeKind::Call) {
            *reason = QStringLiteral("Only a node that calls an instance can be called again.");
            return std::nullopt;
        }
        return placedClear(type, m_project->addSharedCall(type, n->name, pos, reason));
    }, why);
}

// --- wires -----------------------------------------------------------------------

EditResult DocumentEditor::addWire(const QString &type, const Wire &wire)
{
    return perform(QStringLiteral("Connect"), [&] { return m_project->addWire(type, wire); });
}

EditResult DocumentEditor::removeWire(const QString &type, const Wire &wire)
{
    return perform(QStringLiteral("Disconnect"), [&] { return m_project->removeWire(type, wire); });
}

EditResult DocumentEditor::reconnectWire(const QString &type, const Wire &from, const Wire &to)
{
    return perform(QStringLiteral("Reconnect"), [&] {
        if (EditResult r = m_project->removeWire(type, from); !r)
            return r;
        return m_project->addWire(type, to);
    });
}

// --- nodes and instances -------------------------------------------------------------

EditResult DocumentEditor::removeItems(const QString &type, const QList<int> &nodes, const QList<Wire> &wires,
                                       const QString &text)
{
    return perform(text.isEmpty() ? QStringLiteral("Delete") : text, [&] {
        const ModuleType *t = m_project->type(type);
        if (!t)
            return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(type));
        for (const Wire &w : wires)
            if (t->wires.contains(w))
                if (EditResult r = m_project->removeWire(type, w); !r)
                    return r;
        for (int id : nodes)
            if (m_project->type(type)->node(id))
                if (EditResult r = m_project->removeNode(type, id); !r)
                    return r;
        return EditResult::success();
    });
}

EditResult DocumentEditor::moveNodes(const QString &type, const QHash<int, QPointF> &positions)
{
    QList<int> ids = positions.keys();
    std::sort(ids.begin(), ids.end());
    QStringList key{type};
    for (int id : ids)
        key.append(QString::number(id));
    return perform(positions.size() == 1 ? QStringLiteral("Move node") : QStringLiteral("Move nodes"), [&] {
        for (int id : std::as_const(ids))
            if (EditResult r = m_project->moveNode(type, id, positions.value(id)); !r)
                return r;
        return EditResult::success();
    }, MoveMerge, key.join(QLatin1Char(',')));
}

EditResult DocumentEditor::renameNode(const QString &type, int node, const QString &name)
{
    const ModuleType *t = m_project->type(type);
    const Node *n = t ? t->node(node) : nullptr;
    if (!n)
        return EditResult::failure(QStringLiteral("`%1` has no node %2.").arg(type).arg(node));
    const QString old = n->name;
    if (n->kind == NodeKind::Call)
        return perform(QStringLiteral("Rename %1 to %2").arg(old, name),
                       [&] { return m_project->renameInstance(type, old, name); });
    return perform(QStringLiteral("Rename %1 to %2").arg(old, name),
                   [&] { return m_project->renamePort(type, node, name); });
}

EditResult DocumentEditor::setPortShape(const QString &type, int node, const ShapeDecl &shape)
{
    return perform(QStringLiteral("Set shape"), [&] { return m_project->setPortShape(type, node, shape); });
}

EditResult DocumentEditor::setOption(const QString &type, const QString &instance, const QString &key,
                                     const std::optional<OptionValue> &value)
{
    return perform(QStringLiteral("Set %1 of %2").arg(key, instance), [&] {
        return value ? m_project->setOption(type, instance, key, *value)
                     : m_project->removeOption(type, instance, key);
    });
}

EditResult DocumentEditor::setTraining(const QJsonObject &training)
{
    // The fields whose values change: the project's object may leave out
    // defaults that `training` spells out, which changes nothing.
    QJsonObject before = m_project->training();
    try {
        before = TrainingSettings::fromJson(before).toJson();
    } catch (const std::exception &) {
        // Unreadable before: compare as written.
    }
    QStringList changed;
    for (const QString &key : before.keys() + training.keys())
        if (before.value(key) != training.value(key) && !changed.contains(key))
            changed.append(key);
    changed.sort();
    return perform(QStringLiteral("Change training %1").arg(changed.join(QStringLiteral(", ")).replace(QLatin1Char('_'), QLatin1Char(' '))),
                   [&] {
                       m_project->setTraining(training);
                       return EditResult::success();
                   },
                   TrainingMerge, changed.join(QLatin1Char(',')));
}

EditResult DocumentEditor::setFrozen(const QString &type, const QString &instance, bool frozen)
{
    return perform(frozen ? QStringLiteral("Freeze %1").arg(instance) : QStringLiteral("Unfreeze %1").arg(instance),
                   [&] { return m_project->setFrozen(type, instance, frozen); });
}

EditResult DocumentEditor::setStackRows(const QString &type, const QString &instance, const QList<OptionMap> &rows)
{
    return perform(QStringLiteral("Edit blocks of %1").arg(instance), [&] {
        const ModuleType *t = m_project->type(type);
        const Instance *i = t ? t->instance(instance) : nullptr;
        const ModuleType *block = i ? m_project->type(i->blockType) : nullptr;
        if (block && t) {
            for (const OptionMap &row : rows)
                for (auto it = row.begin(); it != row.end(); ++it) {
                    if (!block->argument(it.key()))
                        return EditResult::failure(
                            QStringLiteral("`%1` takes no argument `%2`.").arg(block->name, it.key()));
                    if (it.value().isArgument() && !t->argument(it.value().argument))
                        return EditResult::failure(
                            QStringLiteral("`%1` has no argument `%2`.").arg(type, it.value().argument));
                }
        }
        return m_project->setStackRows(type, instance, rows);
    });
}

EditResult DocumentEditor::setStackBlockType(const QString &type, const QString &instance, const QString &blockType)
{
    return perform(QStringLiteral("Stack %1 of %2").arg(instance, blockType), [&] {
        const ModuleType *t = m_project->type(type);
        const Instance *i = t ? t->instance(instance) : nullptr;
        if (!i || !i->isStack())
            return EditResult::failure(QStringLiteral("`%1` has no stack called `%2`.").arg(type, instance));
        if (i->blockType == blockType)
            return EditResult::success();
        if (!stackableTypes(type).contains(blockType))
            return EditResult::failure(
                QStringLiteral("A stack chains its blocks, so `%1` needs one input and one output, and must not "
                               "contain `%2`.").arg(blockType, type));
        const ModuleType *block = m_project->type(blockType);
        ModuleType changed = *t;
        Instance *ci = changed.instance(instance);
        ci->blockType = blockType;
        for (OptionMap &row : ci->rows)
            for (const QString &k : row.keys())
                if (!block->argument(k))
                    row.remove(k);
        return m_project->replaceType(changed);
    });
}

// --- module types ---------------------------------------------------------------------

EditResult DocumentEditor::addType(const QString &name, QString *created)
{
    const QString typeName = name.isEmpty() ? uniqueTypeName(QStringLiteral("Module1")) : name;
    ModuleType t = emptyProject().types.first();
    t.name = typeName;
    const EditResult r = perform(QStringLiteral("New module type %1").arg(typeName), [&] {
        return m_project->addType(t);
    });
    if (r && created)
        *created = typeName;
    return r;
}

EditResult DocumentEditor::removeType(const QString &name)
{
    return perform(QStringLiteral("Remove module type %1").arg(name), [&] { return m_project->removeType(name); });
}

EditResult DocumentEditor::renameType(const QString &fromName, const QString &toName)
{
    // Copies: the arguments may be a view's own state, which the rename's
    // signals change while they are still being read (the shown type's name).
    const QString from = fromName;
    const QString to = toName;
    return perform(QStringLiteral("Rename %1 to %2").arg(from, to), [&] { return m_project->renameType(from, to); });
}

EditResult DocumentEditor::setArguments(const QString &type, const QList<Argument> &arguments)
{
    return perform(QStringLiteral("Arguments of %1").arg(type), [&] {
        const ModuleType *t = m_project->type(type);
        if (t && t->arguments == arguments)
            return EditResult::success();
        return m_project->setArguments(type, arguments);
    });
}

EditResult DocumentEditor::renameArgument(const QString &type, const QString &from, const QString &to)
{
    return perform(QStringLiteral("Rename argument %1 to %2").arg(from, to), [&] {
        const ModuleType *t = m_project->type(type);
        if (!t || !t->argument(from))
            return EditResult::failure(QStringLiteral("`%1` has no argument `%2`.").arg(type, from));
        if (from == to)
            return EditResult::success();
        if (EditResult r = Project::checkIdentifier(to, QStringLiteral("argument")); !r)
            return r;
        if (t->argument(to))
            return EditResult::failure(QStringLiteral("`%1` already has an argument `%2`.").arg(type, to));
        auto renameValue = [&](OptionValue &v) {
            if (v.isArgument() && v.argument == from)
                v.argument = to;
        };
        const QList<ModuleType> types = m_project->types();
        for (const ModuleType &original : types) {
            ModuleType changed = original;
            if (changed.name == type) {
                for (Argument &a : changed.arguments)
                    if (a.name == from)
                        a.name = to;
                for (Instance &i : changed.instances) {
                    for (OptionValue &v : i.options)
                        renameValue(v);
                    for (OptionMap &row : i.rows)
                        for (OptionValue &v : row)
                            renameValue(v);
                }
                for (Node &n : changed.nodes)
                    for (OptionValue &d : n.shape)
                        renameValue(d);
            }
            for (Instance &i : changed.instances) {
                if (i.type == type && i.options.contains(from))
                    i.options.insert(to, i.options.take(from));
                if (i.isStack() && i.blockType == type)
                    for (OptionMap &row : i.rows)
                        if (row.contains(from))
                            row.insert(to, row.take(from));
            }
            if (!(changed == original))
                if (EditResult r = m_project->replaceType(changed); !r)
                    return r;
        }
        return EditResult::success();
    });
}

EditResult DocumentEditor::setDescription(const QString &type, const QString &description)
{
    return perform(QStringLiteral("Describe %1").arg(type), [&] {
        const ModuleType *t = m_project->type(type);
        if (t && t->description == description)
            return EditResult::success();
        return m_project->setDescription(type, description);
    });
}

EditResult DocumentEditor::setRootType(const QString &type)
{
    return perform(QStringLiteral("Use %1 as the model").arg(type), [&] { return m_project->setRootType(type); });
}

// --- structure ---------------------------------------------------------------------------

DocumentEditor::GroupBoundary DocumentEditor::groupBoundary(const ModuleType &t, const QSet<int> &selected) const
{
    GroupBoundary b;
    for (const Wire &w : t.wires) {
        const bool fromIn = selected.contains(w.from.node);
        const bool toIn = selected.contains(w.to.node);
        if (!fromIn && toIn && !b.sources.contains(w.from))
            b.sources.append(w.from);
        else if (fromIn && !toIn && !b.results.contains(w.from))
            b.results.append(w.from);
    }
    // An output port of the selection that no wire leaves yet is its result
    // too: a selection at the end of a graph still drawn has no outside reader.
    for (const Node &n : t.nodes) {
        if (!selected.contains(n.id) || n.kind != NodeKind::Call)
            continue;
        const QStringList outs = m_project->portNames(t.name, n.id, false);
        for (int p = 0; p < outs.size(); ++p) {
            const PortRef port{n.id, p};
            const bool used = std::any_of(t.wires.begin(), t.wires.end(), [&](const Wire &w) { return w.from == port; });
            if (!used) {
                b.results.append(port);
                b.unused.append(port);
            }
        }
    }
    auto byPosition = [&](const PortRef &a, const PortRef &c) {
        const Node *na = t.node(a.node);
        const Node *nc = t.node(c.node);
        if (na->pos.y() != nc->pos.y())
            return na->pos.y() < nc->pos.y();
        return a.node != c.node ? a.node < c.node : a.port < c.port;
    };
    std::stable_sort(b.sources.begin(), b.sources.end(), byPosition);
    std::stable_sort(b.results.begin(), b.results.end(), byPosition);
    return b;
}

QString DocumentEditor::groupOutputsNote(const QString &type, const QList<int> &nodes) const
{
    const ModuleType *t = m_project->type(type);
    if (!t)
        return {};
    const GroupBoundary b = groupBoundary(*t, QSet<int>(nodes.begin(), nodes.end()));
    if (b.unused.isEmpty())
        return {};
    QStringList names;
    for (const PortRef &p : b.results) {
        const Node *n = t->node(p.node);
        const QStringList outs = m_project->portNames(type, p.node, false);
        QString name = n ? n->name : QString::number(p.node);
        if (outs.size() > 1 && p.port < outs.size())
            name += QLatin1Char('.') + outs.at(p.port);
        names.append(b.unused.contains(p) ? QStringLiteral("`%1` (not used yet)").arg(name)
                                          : QStringLiteral("`%1`").arg(name));
    }
    return names.size() == 1 ? QStringLiteral("The new module's output will be %1.").arg(names.first())
                             : QStringLiteral("The new module's outputs will be %1.").arg(names.join(QStringLiteral(", ")));
}

std::optional<int> DocumentEditor::groupNodes(const QString &type, const QList<int> &nodes, const QString &name,
                                              QString *why)
{
    return performAdd(QStringLiteral("Make module"), [&](QString *reason) -> std::optional<int> {
        const ModuleType *tp = m_project->type(type);
        if (!tp) {
            *reason = QStringLiteral("There is no module type `%1`.").arg(type);
            return std::nullopt;
        }
        const ModuleType t = *tp; // The document changes below; keep the original.
        const QSet<int> selected(nodes.begin(), nodes.end());
        if (selected.isEmpty()) {
            *reason = QStringLiteral("Select the nodes to make a module from.");
            return std::nullopt;
        }
        QSet<QString> instanceNames;
        for (int id : selected) {
            const Node *n = t.node(id);
            if (!n) {
                *reason = QStringLiteral("`%1` has no node %2.").arg(type).arg(id);
                return std::nullopt;
            }
            if (n->kind != NodeKind::Call) {
                *reason = QStringLiteral("Inputs and outputs of `%1` stay where they are: select only layers and "
                                         "modules.").arg(type);
                return std::nullopt;
            }
            instanceNames.insert(n->name);
        }
        for (const QString &inst : std::as_const(instanceNames))
            for (int call : t.callsOf(inst))
                if (!selected.contains(call)) {
                    *reason = QStringLiteral("`%1` is also called outside the selection; select all its calls "
                                             "or none.").arg(inst);
                    return std::nullopt;
                }
        const QString typeName = name.isEmpty() ? uniqueTypeName(QStringLiteral("Module1")) : name;

        // The new type: arguments the moved options refer to, the instances, the nodes.
        ModuleType inner;
        inner.name = typeName;
        auto useArgument = [&](const OptionValue &v) {
            if (v.isArgument() && !inner.argument(v.argument)) {
                const Argument *a = t.argument(v.argument);
                inner.arguments.append(Argument{v.argument, a ? a->defaultValue : 0.0});
            }
        };
        for (const Instance &i : t.instances) {
            if (!instanceNames.contains(i.name))
                continue;
            for (const OptionValue &v : i.options)
                useArgument(v);
            for (const OptionMap &row : i.rows)
                for (const OptionValue &v : row)
                    useArgument(v);
            inner.instances.append(i);
        }
        // Crossing wires: one input per outside source, one output per inside
        // source that feeds the outside or is not used yet.
        const GroupBoundary boundary = groupBoundary(t, selected);
        const QList<PortRef> &sources = boundary.sources;
        const QList<PortRef> &results = boundary.results;
        QList<Wire> incoming, outgoing;
        for (const Wire &w : t.wires) {
            const bool fromIn = selected.contains(w.from.node);
            const bool toIn = selected.contains(w.to.node);
            if (!fromIn && toIn)
                incoming.append(w);
            else if (fromIn && !toIn)
                outgoing.append(w);
        }

        double minX = 1e300, minY = 1e300, maxX = -1e300;
        double sumX = 0, sumY = 0;
        for (int id : selected) {
            const QPointF p = t.node(id)->pos;
            minX = std::min(minX, p.x());
            minY = std::min(minY, p.y());
            maxX = std::max(maxX, p.x());
            sumX += p.x();
            sumY += p.y();
        }
        int nextId = 1;
        QHash<int, int> innerId;
        auto portName = [](const QString &stem, int k, qsizetype count) {
            return count == 1 ? stem : stem + QString::number(k + 1);
        };
        for (int k = 0; k < sources.size(); ++k) {
            Node in;
            in.id = nextId++;
            in.kind = NodeKind::Input;
            in.name = portName(QStringLiteral("x"), k, sources.size());
            in.pos = QPointF(0, snap(k * 100.0));
            inner.nodes.append(in);
        }
        for (const Node &n : t.nodes) {
            if (!selected.contains(n.id))
                continue;
            Node copy = n;
            copy.id = nextId++;
            copy.pos = QPointF(snap(n.pos.x() - minX + 200), snap(n.pos.y() - minY));
            innerId.insert(n.id, copy.id);
            inner.nodes.append(copy);
        }
        for (int k = 0; k < results.size(); ++k) {
            Node out;
            out.id = nextId++;
            out.kind = NodeKind::Output;
            out.name = portName(QStringLiteral("y"), k, results.size());
            out.pos = QPointF(snap(maxX - minX + 400), snap(k * 100.0));
            inner.nodes.append(out);
        }
        for (const Wire &w : t.wires)
            if (selected.contains(w.from.node) && selected.contains(w.to.node))
                inner.wires.append(Wire{PortRef{innerId.value(w.from.node), w.from.port},
                                        PortRef{innerId.value(w.to.node), w.to.port}});
        for (const Wire &w : std::as_const(incoming))
            inner.wires.append(Wire{PortRef{1 + int(sources.indexOf(w.from)), 0},
                                    PortRef{innerId.value(w.to.node), w.to.port}});
        const int firstOutput = 1 + int(sources.size()) + int(selected.size());
        for (int k = 0; k < results.size(); ++k)
            inner.wires.append(Wire{PortRef{innerId.value(results.at(k).node), results.at(k).port},
                                    PortRef{firstOutput + k, 0}});

        if (EditResult r = m_project->addType(inner); !r) {
            *reason = r.reason;
            return std::nullopt;
        }
        for (const Node &n : t.nodes)
            if (selected.contains(n.id))
                if (EditResult r = m_project->removeNode(type, n.id); !r) {
                    *reason = r.reason;
                    return std::nullopt;
                }
        Instance instance;
        instance.type = typeName;
        instance.name = m_project->uniqueInstanceName(type, instanceBaseName(typeName));
        for (const Argument &a : std::as_const(inner.arguments))
            instance.options.insert(a.name, OptionValue::ref(a.name));
        const QPointF at(snap(sumX / selected.size()), snap(sumY / selected.size()));
        const std::optional<int> id = placedClear(type, m_project->addCall(type, instance, at, reason));
        if (!id)
            return std::nullopt;
        for (int k = 0; k < sources.size(); ++k)
            if (EditResult r = m_project->addWire(type, Wire{sources.at(k), PortRef{*id, k}}); !r) {
                *reason = r.reason;
                return std::nullopt;
            }
        for (const Wire &w : std::as_const(outgoing))
            if (EditResult r = m_project->addWire(type, Wire{PortRef{*id, int(results.indexOf(w.from))}, w.to}); !r) {
                *reason = r.reason;
                return std::nullopt;
            }
        return id;
    }, why);
}

EditResult DocumentEditor::arrange(const QString &type)
{
    return perform(QStringLiteral("Arrange"), [&] {
        const ModuleType *t = m_project->type(type);
        if (!t)
            return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(type));
        const ModuleType copy = *t;
        const QHash<int, QPointF> positions = GraphLayout::arrange(copy, [&](int id) {
            const auto [ins, outs] = m_project->portCounts(type, id);
            return CanvasMetrics::nodeHeight(copy.node(id)->kind, ins, outs);
        });
        for (const Node &n : copy.nodes)
            if (EditResult r = m_project->moveNode(type, n.id, positions.value(n.id, n.pos)); !r)
                return r;
        return EditResult::success();
    });
}

// --- clipboard ---------------------------------------------------------------------------

QString DocumentEditor::clipboardMimeType()
{
    return QStringLiteral("application/x-modelcomposer-nodes");
}

QByteArray DocumentEditor::copyNodes(const QString &type, const QList<int> &nodes) const
{
    const ModuleType *t = m_project->type(type);
    if (!t || nodes.isEmpty())
        return {};
    const QSet<int> selected(nodes.begin(), nodes.end());
    ModuleType clip;
    clip.name = t->name;
    clip.arguments = t->arguments;
    QSet<QString> called;
    for (const Node &n : t->nodes)
        if (selected.contains(n.id)) {
            clip.nodes.append(n);
            if (n.kind == NodeKind::Call)
                called.insert(n.name);
        }
    if (clip.nodes.isEmpty())
        return {};
    for (const Instance &i : t->instances)
        if (called.contains(i.name))
            clip.instances.append(i);
    for (const Wire &w : t->wires)
        if (selected.contains(w.from.node) && selected.contains(w.to.node))
            clip.wires.append(w);
    // The module types the instances use, those they use first.
    ProjectData data;
    QSet<QString> done;
    std::function<void(const QString &)> need = [&](const QString &name) {
        const ModuleType *used = m_project->type(name);
        if (!used || done.contains(name))
            return;
        done.insert(name);
        for (const Instance &i : used->instances)
            need(i.isStack() ? i.blockType : i.type);
        data.types.append(*used);
    };
    for (const Instance &i : std::as_const(clip.instances))
        need(i.isStack() ? i.blockType : i.type);
    data.types.append(clip);
    data.root = clip.name;
    return ProjectFile::toBytes(data);
}

std::optional<QList<int>> DocumentEditor::paste(const QString &type, const QByteArray &bytes, QPointF at,
                                                QString *why)
{
    ProjectData clip;
    try {
        clip = ProjectFile::fromBytes(bytes);
    } catch (const ProjectFormatError &e) {
        if (why)
            *why = QStringLiteral("The clipboard holds no nodes that can be pasted (%1).").arg(e.message());
        return std::nullopt;
    }
    const ModuleType *source = clip.type(clip.root);
    if (!source || source->nodes.isEmpty()) {
        if (why)
            *why = QStringLiteral("The clipboard holds no nodes.");
        return std::nullopt;
    }
    QList<int> created;
    const EditResult r = perform(QStringLiteral("Paste"), [&] {
        if (!m_project->type(type))
            return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(type));
        // Types the pasted instances use: the project's own when it has one of that name.
        for (const ModuleType &t : std::as_const(clip.types)) {
            if (t.name == clip.root || m_project->type(t.name))
                continue;
            if (EditResult added = m_project->addType(t); !added)
                return added;
        }
        const ModuleType target = *m_project->type(type);
        double minX = 1e300, minY = 1e300;
        for (const Node &n : source->nodes) {
            minX = std::min(minX, n.pos.x());
            minY = std::min(minY, n.pos.y());
        }
        const QPointF offset = at - QPointF(minX, minY);
        QHash<QString, QString> renamed; // instance name in the clipboard -> in the target
        QHash<int, int> ids;
        for (const Node &n : source->nodes) {
            const QPointF pos = n.pos + offset;
            QString reason;
            std::optional<int> id;
            if (n.kind == NodeKind::Call) {
                if (renamed.contains(n.name)) {
                    id = m_project->addSharedCall(type, renamed.value(n.name), pos, &reason);
                } else {
                    Instance i = *source->instance(n.name);
                    i.name = m_project->uniqueInstanceName(type, i.name);
                    i.options = translated(i.options, *source, target);
                    for (OptionMap &row : i.rows)
                        row = translated(row, *source, target);
                    renamed.insert(n.name, i.name);
                    id = m_project->addCall(type, i, pos, &reason);
                }
            } else {
                const QString name = uniquePortName(type, n.kind, n.name);
                id = m_project->addPort(type, n.kind, name, pos,
                                        n.kind == NodeKind::Input ? translated(n.shape, *source, target)
                                                                  : ShapeDecl{},
                                        &reason);
            }
            if (!id)
                return EditResult::failure(failText(reason));
            ids.insert(n.id, *id);
            created.append(*id);
        }
        for (const Wire &w : source->wires) {
            const Wire mapped{PortRef{ids.value(w.from.node), w.from.port}, PortRef{ids.value(w.to.node), w.to.port}};
            if (EditResult added = m_project->addWire(type, mapped); !added)
                return added;
        }
        placeClear(type, created);
        return EditResult::success();
    });
    if (!r) {
        if (why)
            *why = r.reason;
        return std::nullopt;
    }
    return created;
}

} // namespace mc
