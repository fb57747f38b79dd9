#include "PropertiesPanel.h"

#include "ArgumentsEditor.h"
#include "CanvasStyle.h"
#include "DisconnectChildren.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "layers/LayerRegistry.h"
#include "OptionField.h"
#include "StackTableEditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSet>
#include <QTimer>
#include <QVBoxLayout>

namespace mc {

namespace {

/// The option field's text of a default value.
QString defaultText(const mc::OptionSpec &o)
{
    if (o.kind == mc::OptionKind::Choice)
        return o.defaultChoice;
    if (o.kind == mc::OptionKind::Boolean)
        return o.defaultValue.value(0) != 0 ? QStringLiteral("true") : QStringLiteral("false");
    return mc::LayerDefinition::valueText(mc::ResolvedValue{o.defaultValue, {}});
}

QString paramsText(qint64 params, qint64 trainable)
{
    if (params < 0)
        return QObject::tr("unknown until the sizes are known");
    QString text = QLocale().toString(params);
    if (trainable >= 0 && trainable != params)
        text += QObject::tr(" (%1 trainable)").arg(QLocale().toString(trainable));
    return text;
}

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    label->setContentsMargins(0, 8, 0, 0);
    return label;
}

} // namespace

PropertiesPanel::~PropertiesPanel()
{
    disconnectChildren(this);
}

PropertiesPanel::PropertiesPanel(DocumentEditor *editor, GraphScene *scene, QWidget *parent)
    : QScrollArea(parent), m_editor(editor), m_scene(scene), m_refresh(new QTimer(this))
{
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(0);
    connect(m_refresh, &QTimer::timeout, this, [this] {
        if (structureKey() != m_key)
            rebuild();
        else
            refreshValues();
    });
    connect(scene, &QGraphicsScene::selectionChanged, this, &PropertiesPanel::followSelection);
    connect(scene, &GraphScene::rebuilt, this, &PropertiesPanel::followSelection);
    connect(scene, &GraphScene::typeNameChanged, this, &PropertiesPanel::followSelection);
    connect(editor->project(), &Project::changed, this, &PropertiesPanel::scheduleRefresh);
    connect(editor, &DocumentEditor::analysisUpdated, this, &PropertiesPanel::scheduleRefresh);
    followSelection();
}

QString PropertiesPanel::nameProblem() const
{
    return m_nameMessage && m_nameMessage->isVisible() ? m_nameMessage->text() : QString();
}

void PropertiesPanel::followSelection()
{
    const QList<int> ids = m_scene->selectedNodeIds();
    const QString type = m_scene->typeName();
    const int node = ids.size() == 1 ? ids.first() : ids.isEmpty() ? 0 : -1;
    if (type == m_type && node == m_node && structureKey() == m_key && m_content)
        return;
    m_type = type;
    m_node = node;
    rebuild();
}

void PropertiesPanel::scheduleRefresh()
{
    if (!m_refresh->isActive())
        m_refresh->start();
}

QString PropertiesPanel::structureKey() const
{
    // What decides the form's fields: when it changes the form is rebuilt,
    // otherwise only the values are refreshed (keeping the user's focus).
    const Project *p = m_editor->project();
    const ModuleType *t = p->type(m_type);
    if (!t)
        return QStringLiteral("none");
    QStringList key{m_type, QString::number(m_node)};
    if (m_node <= 0) {
        for (const Argument &a : t->arguments)
            key.append(a.name);
        key.append(p->rootType() == m_type ? QStringLiteral("root") : QString());
        return key.join(QLatin1Char('|'));
    }
    const Node *n = t->node(m_node);
    if (!n)
        return QStringLiteral("gone");
    key.append(QString::number(int(n->kind)));
    if (n->kind == NodeKind::Call) {
        const Instance *i = t->instance(n->name);
        if (!i)
            return QStringLiteral("gone");
        key.append(i->type);
        key.append(i->blockType);
        for (const QString &k : i->options.keys())
            key.append(k);
        if (const ModuleType *inner = p->type(i->isStack() ? i->blockType : i->type))
            for (const Argument &a : inner->arguments)
                key.append(a.name);
    }
    for (const Argument &a : t->arguments)
        key.append(QStringLiteral("arg:") + a.name);
    return key.join(QLatin1Char('|'));
}

void PropertiesPanel::rebuild()
{
    if (m_content)
        m_content->deleteLater();
    m_fields.clear();
    m_key = structureKey();
    m_content = new QWidget;
    auto *outer = new QVBoxLayout(m_content);
    outer->setContentsMargins(8, 8, 8, 8);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    outer->addLayout(form);
    outer->addStretch(1);

    const ModuleType *t = m_editor->project()->type(m_type);
    if (!t) {
        form->addRow(new QLabel(tr("Nothing is open."), m_content));
    } else if (m_node < 0) {
        auto *label = new QLabel(tr("%1 nodes selected.\n\nEdit ▸ Make Module from Selection turns them into a "
                                    "new module type.").arg(m_scene->selectedNodeIds().size()), m_content);
        label->setWordWrap(true);
        form->addRow(label);
    } else if (m_node == 0) {
        buildTypeForm(form);
    } else if (const Node *n = t->node(m_node)) {
        if (n->kind == NodeKind::Call)
            buildCallForm(form);
        else
            buildPortForm(form);
    }
    setWidget(m_content);
    refreshValues();
}

QLabel *PropertiesPanel::addInfo(QFormLayout *form, const QString &label)
{
    auto *info = new QLabel(m_content);
    info->setWordWrap(true);
    info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(label, info);
    return info;
}

void PropertiesPanel::buildTypeForm(QFormLayout *form)
{
    const ModuleType *t = m_editor->project()->type(m_type);
    form->addRow(heading(tr("Module type"), m_content));
    m_name = new QLineEdit(m_content);
    m_name->setText(t->name);
    m_nameMessage = new QLabel(m_content);
    m_nameMessage->setWordWrap(true);
    m_nameMessage->setVisible(false);
    QPalette pal = m_nameMessage->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_nameMessage->setPalette(pal);
    form->addRow(tr("Name"), m_name);
    form->addRow(QString(), m_nameMessage);
    connect(m_name, &QLineEdit::textEdited, this, &PropertiesPanel::validateName);
    connect(m_name, &QLineEdit::editingFinished, this, &PropertiesPanel::commitName);

    m_description = new QLineEdit(m_content);
    m_description->setPlaceholderText(tr("What it does"));
    form->addRow(tr("Description"), m_description);
    connect(m_description, &QLineEdit::editingFinished, this, [this] {
        if (!m_description->isModified())
            return;
        m_description->setModified(false);
        report(m_editor->setDescription(m_type, m_description->text()).reason);
    });

    const bool root = m_editor->project()->rootType() == m_type;
    if (root) {
        m_rootLabel = new QLabel(tr("This is the model the project trains and exports."), m_content);
        m_rootLabel->setWordWrap(true);
        form->addRow(tr("Model"), m_rootLabel);
    } else {
        auto *use = new QPushButton(tr("Use as the Model"), m_content);
        use->setToolTip(tr("Train and export this module type"));
        form->addRow(tr("Model"), use);
        connect(use, &QPushButton::clicked, this, [this] { report(m_editor->setRootType(m_type).reason); });
    }

    form->addRow(heading(tr("Arguments"), m_content));
    m_arguments = new ArgumentsEditor(m_content);
    m_arguments->setArguments(t->arguments);
    form->addRow(m_arguments);
    connect(m_arguments, &ArgumentsEditor::argumentsEdited, this, [this](const QList<Argument> &args) {
        const EditResult r = m_editor->setArguments(m_type, args);
        m_arguments->showProblem(r.reason);
        if (!r)
            if (const ModuleType *type = m_editor->project()->type(m_type))
                m_arguments->setArguments(type->arguments);
    });
    connect(m_arguments, &ArgumentsEditor::argumentRenamed, this, [this](const QString &from, const QString &to) {
        const EditResult r = m_editor->renameArgument(m_type, from, to);
        m_arguments->showProblem(r.reason);
        if (!r)
            if (const ModuleType *type = m_editor->project()->type(m_type))
                m_arguments->setArguments(type->arguments);
    });

    form->addRow(heading(tr("As evaluated"), m_content));
    m_sizes = addInfo(form, tr("Sizes"));
    m_twins = addInfo(form, tr("Parameters"));
}

void PropertiesPanel::buildCallForm(QFormLayout *form)
{
    const Project *p = m_editor->project();
    const ModuleType *t = p->type(m_type);
    const Node *n = t->node(m_node);
    const Instance *inst = t->instance(n->name);
    if (!inst) {
        form->addRow(new QLabel(tr("Node %1 calls `%2`, which does not exist.").arg(m_node).arg(n->name), m_content));
        return;
    }
    form->addRow(heading(tr("Instance"), m_content));
    m_name = new QLineEdit(m_content);
    m_nameMessage = new QLabel(m_content);
    m_nameMessage->setWordWrap(true);
    m_nameMessage->setVisible(false);
    QPalette pal = m_nameMessage->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_nameMessage->setPalette(pal);
    form->addRow(tr("Name"), m_name);
    form->addRow(QString(), m_nameMessage);
    connect(m_name, &QLineEdit::textEdited, this, &PropertiesPanel::validateName);
    connect(m_name, &QLineEdit::editingFinished, this, &PropertiesPanel::commitName);

    const mc::LayerDefinition *spec = mc::LayerRegistry::find(inst->type);
    const QString innerName = inst->isStack() ? inst->blockType : inst->type;
    const ModuleType *inner = spec ? nullptr : p->type(innerName);
    auto *typeRow = new QWidget(m_content);
    auto *typeLayout = new QHBoxLayout(typeRow);
    typeLayout->setContentsMargins(0, 0, 0, 0);
    auto *typeLabel = new QLabel(inst->isStack() ? tr("Stack of %1").arg(innerName) : inst->type, typeRow);
    typeLabel->setToolTip(spec ? spec->doc : inner ? inner->description : QString());
    typeLayout->addWidget(typeLabel, 1);
    if (inner) {
        auto *open = new QPushButton(tr("Open"), typeRow);
        open->setToolTip(tr("Edit the inside of `%1` (changes every instance of it)").arg(innerName));
        typeLayout->addWidget(open);
        connect(open, &QPushButton::clicked, this, [this, innerName] { Q_EMIT openTypeRequested(innerName); });
    }
    form->addRow(tr("Type"), typeRow);

    QStringList enclosingArgs;
    for (const Argument &a : t->arguments)
        enclosingArgs.append(a.name);
    // The instance's name when the user commits (it may have been renamed since).
    auto instanceName = [this] {
        const Instance *i = m_editor->instanceOf(m_type, m_node);
        return i ? i->name : QString();
    };
    auto addField = [&](const QString &key, OptionField::Rule rule, const QString &doc) {
        rule.arguments = enclosingArgs;
        rule.enclosingType = m_type;
        auto *field = new OptionField(rule, m_content);
        field->setToolTip(doc);
        m_fields.insert(key, field);
        auto *label = new QLabel(key, m_content);
        label->setToolTip(doc);
        form->addRow(label, field);
        connect(field, &OptionField::committed, this, [this, field, key, instanceName](const std::optional<OptionValue> &v) {
            const EditResult r = m_editor->setOption(m_type, instanceName(), key, v);
            if (!r) {
                const Instance *i = m_editor->instanceOf(m_type, m_node);
                field->setValue(i && i->options.contains(key) ? std::optional<OptionValue>(i->options.value(key))
                                                              : std::nullopt);
                field->showError(r.reason);
            }
        });
    };
    if (spec) {
        if (!spec->options.isEmpty())
            form->addRow(heading(tr("Options"), m_content));
        // Each option edited through its schema: its kind, range and default.
        for (const mc::OptionSpec &o : spec->options) {
            OptionField::Rule rule;
            rule.integer = o.kind != mc::OptionKind::Real;
            rule.boolean = o.kind == mc::OptionKind::Boolean;
            rule.tupleSize = o.kind == mc::OptionKind::Tuple ? o.tupleSize : 0;
            rule.list = o.kind == mc::OptionKind::Dims;
            if (o.kind == mc::OptionKind::Choice)
                rule.choices = o.choices;
            rule.minimum = o.minimum;
            rule.maximum = o.maximum;
            rule.placeholder = o.inferable ? tr("from the wire")
                               : o.required ? tr("required")
                               : o.noneByDefault() ? tr("default: None")
                               : tr("default: %1").arg(defaultText(o));
            addField(o.name, rule, o.doc);
        }
    } else if (inner && !inst->isStack()) {
        if (!inner->arguments.isEmpty())
            form->addRow(heading(tr("Arguments"), m_content));
        for (const Argument &a : inner->arguments) {
            OptionField::Rule rule;
            rule.placeholder = tr("default: %1").arg(QString::number(a.defaultValue, 'g', 12));
            addField(a.name, rule, tr("Argument `%1` of `%2`").arg(a.name, inner->name));
        }
    } else if (inst->isStack()) {
        form->addRow(heading(tr("Blocks"), m_content));
        m_blockType = new QComboBox(m_content);
        QStringList candidates = m_editor->stackableTypes(m_type);
        if (!candidates.contains(inst->blockType))
            candidates.prepend(inst->blockType);
        m_blockType->addItems(candidates);
        m_blockType->setCurrentText(inst->blockType);
        form->addRow(tr("Block type"), m_blockType);
        connect(m_blockType, &QComboBox::activated, this, [this, instanceName](int) {
            report(m_editor->setStackBlockType(m_type, instanceName(), m_blockType->currentText()).reason);
        });
        m_stack = new StackTableEditor(m_content);
        if (inner)
            m_stack->setColumns(inner->arguments, enclosingArgs, m_type);
        m_stack->setRows(inst->rows);
        m_stack->setNextRow([this, instanceName] { return m_editor->nextStackRow(m_type, instanceName()); });
        form->addRow(m_stack);
        connect(m_stack, &StackTableEditor::rowsEdited, this, [this, instanceName](const QList<OptionMap> &rows) {
            const EditResult r = m_editor->setStackRows(m_type, instanceName(), rows);
            report(r.reason);
            if (!r)
                if (const Instance *i = m_editor->instanceOf(m_type, m_node))
                    m_stack->setRows(i->rows);
        });
    }

    form->addRow(heading(tr("Training"), m_content));
    m_frozen = new QCheckBox(tr("Frozen: its parameters do not train"), m_content);
    form->addRow(QString(), m_frozen);
    connect(m_frozen, &QCheckBox::clicked, this, [this, instanceName](bool on) {
        report(m_editor->setFrozen(m_type, instanceName(), on).reason);
    });

    form->addRow(heading(tr("As evaluated"), m_content));
    m_sizes = addInfo(form, tr("Sizes"));
    m_twins = addInfo(form, tr("Calls"));
    connect(m_twins, &QLabel::linkActivated, this, [this](const QString &link) {
        Q_EMIT selectNodeRequested(link.toInt());
    });
    m_twins->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::TextSelectableByMouse);
}

void PropertiesPanel::buildPortForm(QFormLayout *form)
{
    const ModuleType *t = m_editor->project()->type(m_type);
    const Node *n = t->node(m_node);
    form->addRow(heading(n->kind == NodeKind::Input ? tr("Input") : tr("Output"), m_content));
    m_name = new QLineEdit(m_content);
    m_nameMessage = new QLabel(m_content);
    m_nameMessage->setWordWrap(true);
    m_nameMessage->setVisible(false);
    QPalette pal = m_nameMessage->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_nameMessage->setPalette(pal);
    form->addRow(tr("Name"), m_name);
    form->addRow(QString(), m_nameMessage);
    connect(m_name, &QLineEdit::textEdited, this, &PropertiesPanel::validateName);
    connect(m_name, &QLineEdit::editingFinished, this, &PropertiesPanel::commitName);
    if (n->kind == NodeKind::Input) {
        OptionField::Rule rule;
        rule.integer = true;
        rule.shape = true;
        rule.minimum = 1;
        rule.maximum = 1e8;
        for (const Argument &a : t->arguments)
            rule.arguments.append(a.name);
        rule.enclosingType = m_type;
        rule.placeholder = tr("from the caller");
        auto *field = new OptionField(rule, m_content);
        field->setToolTip(tr("The shape of one sample after the batch: `10` for 10 features, `1, 28, 28` for a grey "
                             "image, or an argument. Empty: whatever the caller gives (the root model needs one)."));
        m_fields.insert(QStringLiteral("shape"), field);
        form->addRow(tr("Shape"), field);
        const int node = m_node;
        connect(field, &OptionField::shapeCommitted, this, [this, field, node](const ShapeDecl &shape) {
            const EditResult r = m_editor->setPortShape(m_type, node, shape);
            if (!r)
                field->showError(r.reason);
        });
    }
    m_sizes = addInfo(form, tr("Shape"));
}

void PropertiesPanel::refreshValues()
{
    const Project *p = m_editor->project();
    const ModuleType *t = p->type(m_type);
    if (!t || !m_content)
        return;
    const auto snapshot = m_editor->analysis();
    const auto view = snapshot->analysis().view(m_type);
    if (m_node == 0) {
        if (m_name && !m_name->hasFocus())
            m_name->setText(t->name);
        if (m_description && !m_description->hasFocus()) {
            m_description->setText(t->description);
            m_description->setCursorPosition(0);
        }
        if (m_arguments)
            m_arguments->setArguments(t->arguments);
        if (m_sizes) {
            QStringList ins, outs;
            const QList<const Node *> inputs = t->ports(NodeKind::Input);
            const QList<const Node *> outputs = t->ports(NodeKind::Output);
            for (int k = 0; k < inputs.size(); ++k)
                ins.append(QStringLiteral("%1 %2").arg(inputs.at(k)->name,
                                                       view ? view->inputs.value(k).listText() : QStringLiteral("?")));
            for (int k = 0; k < outputs.size(); ++k)
                outs.append(QStringLiteral("%1 %2").arg(outputs.at(k)->name,
                                                        view ? view->outputs.value(k).listText() : QStringLiteral("?")));
            m_sizes->setText(tr("in: %1 → out: %2").arg(ins.isEmpty() ? tr("none") : ins.join(QStringLiteral(", ")),
                                                        outs.isEmpty() ? tr("none") : outs.join(QStringLiteral(", "))));
        }
        if (m_twins)
            m_twins->setText(view ? paramsText(view->params, view->trainable) : QStringLiteral("?"));
        return;
    }
    const Node *n = t->node(m_node);
    if (!n)
        return;
    if (m_name && !(m_name->hasFocus() && m_name->isModified()))
        m_name->setText(n->name);
    NodeEval ne;
    if (view)
        ne = view->nodes.value(m_node);
    if (n->kind != NodeKind::Call) {
        if (OptionField *f = m_fields.value(QStringLiteral("shape")))
            f->setShape(n->shape);
        if (m_sizes)
            m_sizes->setText(mc::shapesText(n->kind == NodeKind::Input ? ne.out : ne.in));
        return;
    }
    const Instance *inst = t->instance(n->name);
    if (!inst)
        return;
    const InstanceEval *ie = view ? view->instance(inst->name) : nullptr;
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it) {
        if (!it.value())
            continue;
        it.value()->setValue(inst->options.contains(it.key()) ? std::optional<OptionValue>(inst->options.value(it.key()))
                                                              : std::nullopt);
        // An inferred size shows in the placeholder: "from the wire: 10".
        const mc::LayerDefinition *spec = mc::LayerRegistry::find(inst->type);
        const mc::OptionSpec *o = spec ? spec->option(it.key()) : nullptr;
        if (o && o->inferable) {
            const double inferred = ie ? ie->options.number(it.key()) : 0;
            it.value()->lineEdit()->setPlaceholderText(inferred > 0 ? tr("from the wire: %1").arg(inferred)
                                                                    : tr("from the wire"));
        }
    }
    if (m_frozen) {
        m_frozen->setChecked(inst->frozen);
        // Nothing to freeze where the analysis counts no parameters (an unknown
        // count, -1, leaves the choice open; a frozen one can still be unfrozen).
        const bool nothingToFreeze = ie && ie->params == 0 && !inst->frozen;
        m_frozen->setEnabled(!nothingToFreeze);
        m_frozen->setToolTip(nothingToFreeze
                                 ? tr("`%1` has no parameters, so there is nothing to freeze.").arg(inst->name)
                                 : tr("Frozen parameters do not require gradients and are left out of the "
                                      "optimizer."));
    }
    if (m_stack) {
        if (const ModuleType *inner = p->type(inst->blockType)) {
            QStringList enclosing;
            for (const Argument &a : t->arguments)
                enclosing.append(a.name);
            m_stack->setColumns(inner->arguments, enclosing, m_type);
        }
        m_stack->setRows(inst->rows);
    }
    if (m_blockType && !m_blockType->hasFocus())
        m_blockType->setCurrentText(inst->blockType);
    if (m_sizes) {
        QString text = tr("in %1 → out %2").arg(mc::shapesText(ne.in), mc::shapesText(ne.out));
        if (ie && !(ie->layer && ie->layer->isOperator))
            text += tr("\nparameters: %1").arg(paramsText(ie->params, ie->trainable));
        m_sizes->setText(text);
    }
    if (m_twins) {
        const QList<int> calls = t->callsOf(inst->name);
        if (calls.size() <= 1) {
            m_twins->setText(tr("called once"));
        } else {
            QStringList links;
            for (int id : calls)
                links.append(id == m_node ? QStringLiteral("<b>#%1</b>").arg(id)
                                          : QStringLiteral("<a href=\"%1\">#%1</a>").arg(id));
            m_twins->setText(tr("shared: called %1 times (%2); its parameters exist once")
                                 .arg(calls.size())
                                 .arg(links.join(QStringLiteral(", "))));
        }
    }
}

void PropertiesPanel::validateName()
{
    if (!m_name || !m_nameMessage)
        return;
    const QString text = m_name->text().trimmed();
    const Project *p = m_editor->project();
    const ModuleType *t = p->type(m_type);
    QString problem;
    if (!t) {
        problem.clear();
    } else if (m_node == 0) {
        if (text != m_type) {
            if (EditResult r = Project::checkIdentifier(text, QStringLiteral("module type")); !r)
                problem = r.reason;
            else if (mc::LayerRegistry::isBuiltin(text) || text == kStackType)
                problem = tr("`%1` is a built-in layer.").arg(text);
            else if (p->type(text))
                problem = tr("A module type `%1` already exists.").arg(text);
        }
    } else if (const Node *n = t->node(m_node)) {
        if (text != n->name) {
            const bool call = n->kind == NodeKind::Call;
            if (EditResult r = Project::checkIdentifier(text, call ? QStringLiteral("module instance")
                                                                   : QStringLiteral("port")); !r)
                problem = r.reason;
            else if (call && t->instance(text))
                problem = tr("`%1` already has an instance called `%2`.").arg(m_type, text);
            else if (!call)
                for (const Node *other : t->ports(n->kind))
                    if (other->name == text)
                        problem = tr("`%1` already has a port called `%2`.").arg(m_type, text);
        }
    }
    m_nameMessage->setText(problem);
    m_nameMessage->setVisible(!problem.isEmpty());
    QPalette pal = m_name->palette();
    const QColor base = palette().color(QPalette::Base);
    pal.setColor(QPalette::Base, problem.isEmpty() ? base : CanvasStyle::mix(base, CanvasStyle::error(), 0.25));
    m_name->setPalette(pal);
}

void PropertiesPanel::commitName()
{
    if (!m_name || !m_name->isModified())
        return;
    m_name->setModified(false);
    const QString text = m_name->text().trimmed();
    validateName();
    EditResult r;
    if (m_node == 0)
        r = m_editor->renameType(m_type, text);
    else if (m_node > 0)
        r = m_editor->renameNode(m_type, m_node, text);
    if (!r && m_nameMessage) {
        m_nameMessage->setText(r.reason);
        m_nameMessage->setVisible(true);
    }
}

void PropertiesPanel::report(const QString &problem)
{
    if (!problem.isEmpty())
        Q_EMIT statusMessage(problem);
}

} // namespace mc
