#include "export/PythonExporter.h"

#include "data/Dataset.h"
#include "data/RandomStreams.h"
#include "export/ForwardPlan.h"
#include "export/LocalNames.h"
#include "layers/PythonText.h"
#include "training/TrainingSettings.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSaveFile>
#include <QSet>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/script.h>

#include <cmath>
#include <set>

namespace mc {

namespace {

const QString kIndent = QStringLiteral("    ");

/// Black's line length.
constexpr int kLineLength = 88;

/// The position of the bracket that the last character of `text` closes, or
/// -1 (strings are skipped; the text is one statement the writer made).
qsizetype openingOfLast(const QString &text)
{
    if (!text.endsWith(QLatin1Char(')')) && !text.endsWith(QLatin1Char(']')))
        return -1;
    QList<qsizetype> open;
    QChar quote;
    for (qsizetype k = 0; k < text.size(); ++k) {
        const QChar c = text.at(k);
        if (!quote.isNull()) {
            if (c == QLatin1Char('\\'))
                ++k;
            else if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
        } else if (c == QLatin1Char('(') || c == QLatin1Char('[') || c == QLatin1Char('{')) {
            open.append(k);
        } else if ((c == QLatin1Char(')') || c == QLatin1Char(']') || c == QLatin1Char('}')) && !open.isEmpty()) {
            const qsizetype from = open.takeLast();
            if (k == text.size() - 1)
                return from;
        }
    }
    return -1;
}

/// The items of a bracket's body, split at its top-level commas.
QStringList topLevelItems(const QString &body)
{
    QStringList items;
    int depth = 0;
    QChar quote;
    qsizetype start = 0;
    for (qsizetype k = 0; k < body.size(); ++k) {
        const QChar c = body.at(k);
        if (!quote.isNull()) {
            if (c == QLatin1Char('\\'))
                ++k;
            else if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
        } else if (c == QLatin1Char('(') || c == QLatin1Char('[') || c == QLatin1Char('{')) {
            ++depth;
        } else if (c == QLatin1Char(')') || c == QLatin1Char(']') || c == QLatin1Char('}')) {
            --depth;
        } else if (c == QLatin1Char(',') && depth == 0) {
            items.append(body.mid(start, k - start).trimmed());
            start = k + 1;
        }
    }
    const QString last = body.mid(start).trimmed();
    if (!last.isEmpty())
        items.append(last);
    return items;
}

/// One statement as Black lays it out: on one line when it fits, else split
/// at its last bracket, the body on one indented line when that fits, else
/// one item a line with a trailing comma (Black's right-hand split, which is
/// all the statements the writer makes need).
QStringList blackLines(int depth, const QString &text, const QString &suffix = QString())
{
    const QString indent = kIndent.repeated(depth);
    const QString whole = indent + text + suffix;
    const qsizetype open = openingOfLast(text);
    if (whole.size() <= kLineLength || open < 0 || open == text.size() - 2)
        return {whole};
    const QString head = text.left(open + 1);
    const QString body = text.mid(open + 1, text.size() - open - 2);
    const QString close = text.right(1) + suffix;
    const QString inner = kIndent.repeated(depth + 1) + body;
    if (inner.size() <= kLineLength)
        return {indent + head, inner, indent + close};
    QStringList lines{indent + head};
    const QStringList items = topLevelItems(body);
    // One item (a comprehension, a call) is split further inside, without a comma.
    for (const QString &item : items)
        lines.append(blackLines(depth + 1, item, items.size() > 1 ? QStringLiteral(",") : QString()));
    lines.append(indent + close);
    return lines;
}

/// Lines of Python, each at a depth of indentation.
class Code
{
public:
    void line(int depth, const QString &text = QString())
    {
        if (text.isEmpty()) {
            m_text += QLatin1Char('\n');
            return;
        }
        for (const QString &l : blackLines(depth, text))
            m_text += l + QLatin1Char('\n');
    }
    void blank(int count = 1)
    {
        for (int k = 0; k < count; ++k)
            m_text += QLatin1Char('\n');
    }
    void append(const Code &other) { m_text += other.m_text; }
    const QString &text() const { return m_text; }

private:
    QString m_text;
};

/// The attributes of torch.nn.Module (and of a LightningModule, for the root):
/// an instance of that name cannot be an attribute (`self.cuda`) without
/// hiding a method, so it is registered in `_modules` and reached there.
const QSet<QString> &moduleAttributes()
{
    static const QSet<QString> names = [] {
        QSet<QString> n;
        for (const char *a :
             {"T_destination", "add_module", "apply", "bfloat16", "buffers", "children", "cpu", "cuda", "double",
              "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer", "get_extra_state",
              "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "named_buffers",
              "named_children", "named_modules", "named_parameters", "parameters", "register_backward_hook",
              "register_buffer", "register_forward_hook", "register_forward_pre_hook",
              "register_full_backward_hook", "register_load_state_dict_post_hook", "register_module",
              "register_parameter", "requires_grad_", "set_extra_state", "share_memory", "state_dict", "to",
              "to_empty", "train", "training", "type", "xpu", "zero_grad",
              // LightningModule
              "log", "log_dict", "logged", "logger", "loggers", "trainer", "device", "dtype", "hparams",
              "current_epoch", "global_step", "precision", "optimizers", "lr_schedulers", "manual_backward",
              "automatic_optimization", "example_input_array", "training_step", "validation_step", "test_step",
              "predict_step", "configure_optimizers", "configure_callbacks", "save_hyperparameters", "print",
              "fabric", "on_epoch", "local_rank", "global_rank", "backward", "freeze", "unfreeze", "to_onnx",
              "to_torchscript", "toggle_optimizer", "untoggle_optimizer", "clip_gradients", "all_gather"})
            n.insert(QString::fromLatin1(a));
        return n;
    }();
    return names;
}

bool plainAttribute(const QString &name)
{
    return LocalNames::isIdentifier(name) && !LocalNames::reservedWords().contains(name) &&
           !moduleAttributes().contains(name);
}

/// `self.fc`, or `self._modules["cuda"]` for a name that would hide an
/// attribute of the module (add_module refuses such a name, and getattr
/// finds the attribute first).
QString member(const QString &name)
{
    return plainAttribute(name) ? QStringLiteral("self.") + name
                                : QStringLiteral("self._modules[%1]").arg(python::word(name));
}

/// `self.fc = <value>`, or `self._modules["cuda"] = <value>`.
QString assignment(const QString &name, const QString &value)
{
    return member(name) + QStringLiteral(" = ") + value;
}

/// A number as Python writes it: `10` for a whole number, else `0.5`.
QString number(double v)
{
    if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15)
        return python::integer(int64_t(v));
    return python::real(v);
}

/// The one-line docstring of a description: its first line, escaped.
QString docstring(const QString &description)
{
    QString line = description.section(QLatin1Char('\n'), 0, 0).trimmed();
    line.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    line.replace(QStringLiteral("\"\"\""), QStringLiteral("\\\"\\\"\\\""));
    if (line.endsWith(QLatin1Char('"')))
        line = line.left(line.size() - 1) + QStringLiteral("\\\"");
    return QStringLiteral("\"\"\"%1\"\"\"").arg(line);
}

/// Everything the writer knows of one module type: the document, its
/// evaluations under the root (a type used with other arguments is evaluated
/// again), and the Python names of its arguments.
struct TypeInfo
{
    const ModuleType *type = nullptr;
    QList<const TypeEval *> evals;
    QString className;
    QMap<QString, QString> arguments; ///< Argument name -> Python parameter name.
};

class Writer
{
public:
    Writer(const CheckedModel &model, const TrainingSettings &settings, const PythonExportOptions &options)
        : m_model(model), m_project(model.project()), m_settings(settings), m_options(options)
    {}

    QString write();

private:
    void collect(const TypeEval &eval);
    void order(const QString &type, QSet<QString> &seen);
    Code moduleClass(const TypeInfo &info, bool root);
    void construct(Code &code, const TypeInfo &info, const Instance &inst, const InstanceEval &ie,
                   LocalNames &locals);
    QString layerCode(const TypeInfo &info, const Instance &inst, const InstanceEval &ie);
    QString argumentValue(const TypeInfo &info, const OptionValue &v) const;
    QString constructorCall(const TypeInfo &info, const QString &typeName, const OptionMap &given);
    Code forward(const TypeInfo &info);
    Code lightningMethods();
    QString lossConstructor() const;
    Code header() const;
    Code imports() const;
    Code untrainedMain() const;
    Code loadWeights();
    Code fallbackBase() const;
    Code helpers();
    Code dataFunction();
    Code fitFunctions();
    Code mainBlock();
    [[noreturn]] void refuse(const QString &sentence) const
    {
        throw ExportError(QStringLiteral("The model cannot be written as Python: %1.").arg(sentence).toStdString());
    }

    const CheckedModel &m_model;
    const ProjectData &m_project;
    const TrainingSettings &m_settings;
    const PythonExportOptions &m_options;
    QHash<QString, TypeInfo> m_types;
    QStringList m_order; ///< Type names, dependencies first, the root last.
    QSet<const TypeEval *> m_seenEvals;
    LocalNames m_globals;
    std::set<QString> m_imports; ///< Modules imported as they are (`math`, `os`, `csv`, `gzip`).
    QString m_rootClass;
    QString m_lossAttribute;
    bool m_anyFrozen = false;
    /// The root has one input and one output: it trains, as a LightningModule.
    bool m_trainable = true;
};

void Writer::collect(const TypeEval &eval)
{
    if (m_seenEvals.contains(&eval))
        return;
    m_seenEvals.insert(&eval);
    TypeInfo &info = m_types[eval.type];
    info.type = m_project.type(eval.type);
    info.evals.append(&eval);
    for (const InstanceEval &ie : eval.instances) {
        if (ie.body)
            collect(*ie.body);
        for (const auto &block : ie.blocks)
            collect(*block);
    }
}

void Writer::order(const QString &typeName, QSet<QString> &seen)
{
    if (seen.contains(typeName) || !m_types.contains(typeName))
        return;
    seen.insert(typeName);
    for (const Instance &inst : m_types.value(typeName).type->instances)
        order(inst.isStack() ? inst.blockType : inst.type, seen);
    m_order.append(typeName);
}

QString Writer::argumentValue(const TypeInfo &info, const OptionValue &v) const
{
    if (v.isArgument()) {
        const auto it = info.arguments.find(v.argument);
        if (it == info.arguments.end())
            refuse(QStringLiteral("`%1` has no argument `%2`").arg(info.type->name, v.argument));
        return *it;
    }
    return number(v.number);
}

QString Writer::constructorCall(const TypeInfo &info, const QString &typeName, const OptionMap &given)
{
    const TypeInfo &inner = m_types[typeName];
    // Positional while the arguments are given in order, by keyword after a gap.
    QStringList args;
    bool positional = true;
    for (const Argument &a : inner.type->arguments) {
        const auto it = given.find(a.name);
        if (it == given.end()) {
            positional = false;
            continue;
        }
        const QString value = argumentValue(info, *it);
        args.append(positional ? value : inner.arguments.value(a.name) + QLatin1Char('=') + value);
    }
    return QStringLiteral("%1(%2)").arg(inner.className, args.join(QStringLiteral(", ")));
}

QString Writer::layerCode(const TypeInfo &info, const Instance &inst, const InstanceEval &ie)
{
    ResolvedOptions options = ie.options;
    for (const OptionSpec &spec : ie.layer->options) {
        const auto given = inst.options.find(spec.name);
        if (given != inst.options.end() && given->isArgument()) {
            if (options.has(spec.name))
                options.setPythonName(spec.name, argumentValue(info, *given));
            continue;
        }
        // A value not written from an argument is one constant for every use
        // of the type: a size inferred from the input must agree.
        for (const TypeEval *other : info.evals) {
            const InstanceEval *o = other->instance(inst.name);
            if (!o || o->options.value(spec.name) == options.value(spec.name))
                continue;
            refuse(QStringLiteral("`%1` in `%2` takes %3 from its input, which is %4 in one use of `%2` and %5 in "
                                  "another; give `%2` an argument for it")
                       .arg(inst.name, info.type->name, spec.name,
                            LayerDefinition::valueText(options.value(spec.name)),
                            LayerDefinition::valueText(o->options.value(spec.name))));
        }
    }
    try {
        return ie.layer->pythonCode(options);
    } catch (const std::invalid_argument &e) {
        throw ExportError(e.what());
    }
}

void Writer::construct(Code &code, const TypeInfo &info, const Instance &inst, const InstanceEval &ie,
                       LocalNames &locals)
{
    if (ie.calls.size() > 1)
        code.line(2, QStringLiteral("# Shared: forward calls %1 at %2 places, with one set of weights.")
                         .arg(ie.name)
                         .arg(ie.calls.size()));
    if (ie.layer) {
        code.line(2, assignment(ie.name, layerCode(info, inst, ie)));
    } else if (inst.isStack()) {
        const QString rows = locals.fresh(ie.name + QStringLiteral("_config"));
        const QString config = locals.fresh(QStringLiteral("config"));
        const TypeInfo &block = m_types[inst.blockType];
        code.line(2, QStringLiteral("# %1: one %2 per row of its configuration, applied in order.")
                         .arg(ie.name, block.className));
        if (inst.rows.isEmpty()) {
            code.line(2, QStringLiteral("%1 = []").arg(rows));
        } else {
            code.line(2, QStringLiteral("%1 = [").arg(rows));
            for (const OptionMap &row : inst.rows) {
                QStringList items;
                for (const Argument &a : block.type->arguments)
                    if (row.contains(a.name))
                        items.append(QStringLiteral("%1: %2").arg(python::word(block.arguments.value(a.name)),
                                                                 argumentValue(info, row.value(a.name))));
                code.line(3, QStringLiteral("{%1},").arg(items.join(QStringLiteral(", "))));
            }
            code.line(2, QStringLiteral("]"));
        }
        code.line(2, assignment(ie.name, QStringLiteral("nn.ModuleList()")));
        code.line(2, QStringLiteral("for %1 in %2:").arg(config, rows));
        code.line(3, QStringLiteral("%1.append(%2(**%3))").arg(member(ie.name), block.className, config));
    } else {
        code.line(2, assignment(ie.name, constructorCall(info, inst.type, inst.options)));
    }
    if (inst.frozen) {
        m_anyFrozen = true;
        code.line(2, QStringLiteral("# Frozen: its parameters do not train."));
        code.line(2, QStringLiteral("%1.requires_grad_(False)").arg(member(ie.name)));
    }
}

Code Writer::forward(const TypeInfo &info)
{
    LocalNames names;
    const TypeEval &eval = *info.evals.first();
    const ForwardPlan plan = ForwardPlan::make(m_project, eval, names);
    Code code;
    code.line(1, QStringLiteral("def forward(self%1):")
                     .arg(plan.inputs.isEmpty() ? QString() : QStringLiteral(", ") + plan.inputs.join(QStringLiteral(", "))));
    for (const ForwardCall &c : plan.calls) {
        const InstanceEval &ie = *c.instance;
        const QString results = c.results.join(QStringLiteral(", "));
        if (ie.type == kStackType) {
            const QString block = names.fresh(QStringLiteral("block"));
            code.line(2, QStringLiteral("%1 = %2").arg(results, c.arguments.value(0)));
            code.line(2, QStringLiteral("for %1 in %2:").arg(block, member(ie.name)));
            code.line(3, QStringLiteral("%1 = %2(%1)").arg(results, block));
            continue;
        }
        QString call;
        if (ie.layer && ie.layer->isOperator) {
            ResolvedOptions options = ie.options;
            const Instance *inst = info.type->instance(ie.name);
            for (auto it = inst->options.begin(); it != inst->options.end(); ++it)
                if (it->isArgument() && options.has(it.key()))
                    options.setPythonName(it.key(), argumentValue(info, *it));
            try {
                call = ie.layer->pythonCode(options, c.arguments);
            } catch (const std::invalid_argument &e) {
                throw ExportError(e.what());
            }
        } else {
            call = QStringLiteral("%1(%2)").arg(member(ie.name), c.arguments.join(QStringLiteral(", ")));
        }
        code.line(2, results.isEmpty() ? call : results + QStringLiteral(" = ") + call);
    }
    if (plan.outputs.isEmpty())
        code.line(2, QStringLiteral("return None"));
    else
        code.line(2, QStringLiteral("return ") + plan.outputs.join(QStringLiteral(", ")));
    return code;
}

QString Writer::lossConstructor() const
{
    switch (m_settings.loss) {
    case TrainingSettings::Loss::Mse:
        return QStringLiteral("nn.MSELoss()");
    case TrainingSettings::Loss::L1:
        return QStringLiteral("nn.L1Loss()");
    case TrainingSettings::Loss::SmoothL1:
        return QStringLiteral("nn.SmoothL1Loss()");
    case TrainingSettings::Loss::Bce:
        return QStringLiteral("nn.BCELoss()");
    case TrainingSettings::Loss::BceWithLogits:
        return QStringLiteral("nn.BCEWithLogitsLoss()");
    case TrainingSettings::Loss::CrossEntropy:
        return QStringLiteral("nn.CrossEntropyLoss()");
    case TrainingSettings::Loss::Nll:
        return QStringLiteral("nn.NLLLoss()");
    }
    return QStringLiteral("nn.MSELoss()");
}

Code Writer::moduleClass(const TypeInfo &info, bool root)
{
    const ModuleType &t = *info.type;
    Code code;
    root = root && m_trainable;
    code.line(0, QStringLiteral("class %1(%2):").arg(info.className, root ? QStringLiteral("LightningModule")
                                                                          : QStringLiteral("nn.Module")));
    if (!t.description.trimmed().isEmpty()) {
        code.line(1, docstring(t.description));
        code.blank();
    }
    QStringList parameters{QStringLiteral("self")};
    for (const Argument &a : t.arguments)
        parameters.append(QStringLiteral("%1=%2").arg(info.arguments.value(a.name), number(a.defaultValue)));
    code.line(1, QStringLiteral("def __init__(%1):").arg(parameters.join(QStringLiteral(", "))));
    code.line(2, QStringLiteral("super().__init__()"));

    // The locals of __init__: its parameters, the classes and the globals it names.
    QSet<QString> taken;
    for (const QString &p : info.arguments)
        taken.insert(p);
    for (const TypeInfo &other : std::as_const(m_types))
        taken.insert(other.className);
    LocalNames locals(taken);
    const TypeEval &eval = *info.evals.first();
    for (const Instance &inst : t.instances) {
        const InstanceEval *ie = eval.instance(inst.name);
        if (!ie || (ie->layer && ie->layer->isOperator))
            continue;
        construct(code, info, inst, *ie, locals);
    }
    if (root)
        code.line(2, QStringLiteral("self.%1 = %2").arg(m_lossAttribute, lossConstructor()));
    code.blank();
    code.append(forward(info));
    if (root)
        code.append(lightningMethods());
    return code;
}

Code Writer::lightningMethods()
{
    const TrainingSettings &s = m_settings;
    const TypeEval &root = m_model.root();
    // An image or a sequence out is compared value by value with its row of targets.
    const bool flatten = !s.classTargets() && root.outputs.value(0).rank() > 1;
    auto step = [&](Code &code, const QString &name, const QString &logged) {
        code.blank();
        code.line(1, QStringLiteral("def %1(self, batch, batch_idx):").arg(name));
        code.line(2, QStringLiteral("x, y = batch"));
        code.line(2, flatten ? QStringLiteral("y_hat = self(x).flatten(1)") : QStringLiteral("y_hat = self(x)"));
        code.line(2, QStringLiteral("loss = self.%1(y_hat, y)").arg(m_lossAttribute));
        code.line(2, QStringLiteral("self.log(%1, loss)").arg(python::word(logged)));
        code.line(2, QStringLiteral("return loss"));
    };
    Code code;
    step(code, QStringLiteral("training_step"), QStringLiteral("train_loss"));
    if (s.validationSplit > 0)
        step(code, QStringLiteral("validation_step"), QStringLiteral("val_loss"));

    QString optimizer;
    const QString params = m_anyFrozen ? QStringLiteral("[p for p in self.parameters() if p.requires_grad]")
                                       : QStringLiteral("self.parameters()");
    QStringList args{params, QStringLiteral("lr=") + python::real(s.learningRate)};
    switch (s.optimizer) {
    case TrainingSettings::Optimizer::Adam:
        optimizer = QStringLiteral("torch.optim.Adam");
        break;
    case TrainingSettings::Optimizer::AdamW:
        optimizer = QStringLiteral("torch.optim.AdamW");
        break;
    case TrainingSettings::Optimizer::Sgd:
        optimizer = QStringLiteral("torch.optim.SGD");
        break;
    case TrainingSettings::Optimizer::RmsProp:
        optimizer = QStringLiteral("torch.optim.RMSprop");
        break;
    }
    const bool momentum = s.optimizer == TrainingSettings::Optimizer::Sgd ||
                          s.optimizer == TrainingSettings::Optimizer::RmsProp;
    if (momentum && s.momentum != 0)
        args.append(QStringLiteral("momentum=") + python::real(s.momentum));
    if (s.optimizer == TrainingSettings::Optimizer::Sgd && s.nesterov)
        args.append(QStringLiteral("nesterov=True"));
    // AdamW's default weight decay is 0.01 in PyTorch: say 0 where it is 0.
    if (s.weightDecay != 0 || s.optimizer == TrainingSettings::Optimizer::AdamW)
        args.append(QStringLiteral("weight_decay=") + python::real(s.weightDecay));
    const QString made = QStringLiteral("%1(%2)").arg(optimizer, args.join(QStringLiteral(", ")));

    code.blank();
    code.line(1, QStringLiteral("def configure_optimizers(self):"));
    switch (s.schedule.kind) {
    case ScheduleSettings::Kind::None:
        code.line(2, QStringLiteral("return ") + made);
        break;
    case ScheduleSettings::Kind::Step:
        code.line(2, QStringLiteral("optimizer = ") + made);
        code.line(2, QStringLiteral("scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=%1, gamma=%2)")
                         .arg(s.schedule.stepSize)
                         .arg(python::real(s.schedule.gamma)));
        code.line(2, QStringLiteral("return {\"optimizer\": optimizer, \"lr_scheduler\": scheduler}"));
        break;
    case ScheduleSettings::Kind::Cosine:
        code.line(2, QStringLiteral("optimizer = ") + made);
        code.line(2, QStringLiteral("scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=%1)")
                         .arg(s.epochs));
        code.line(2, QStringLiteral("return {\"optimizer\": optimizer, \"lr_scheduler\": scheduler}"));
        break;
    }
    return code;
}

Code Writer::header() const
{
    Code code;
    code.line(0, QStringLiteral("# %1, the model of %2, as PyTorch code.")
                     .arg(m_rootClass, m_options.projectName.isEmpty() ? QStringLiteral("a project") : m_options.projectName));
    code.line(0, QStringLiteral("# Written by Model Composer %1 (modelcomposer-cli export --format python).")
                     .arg(QStringLiteral(MODELCOMPOSER_VERSION)));
    if (!m_options.weightsFile.isEmpty())
        code.line(0, QStringLiteral("# Its weights are in %1, beside this file.").arg(m_options.weightsFile));
    if (m_trainable)
        code.line(0, QStringLiteral("# Trains with PyTorch Lightning when it is installed, else with a plain PyTorch loop."));
    return code;
}

Code Writer::imports() const
{
    Code code;
    for (const QString &module : m_imports)
        code.line(0, QStringLiteral("import ") + module);
    if (!m_imports.empty())
        code.blank();
    code.line(0, QStringLiteral("import torch"));
    code.line(0, QStringLiteral("from torch import nn"));
    if (!m_trainable)
        return code;
    code.blank();
    code.line(0, QStringLiteral("try:"));
    code.line(1, QStringLiteral("import pytorch_lightning as pl"));
    code.line(0, QStringLiteral("except ImportError:"));
    code.line(1, QStringLiteral("try:"));
    code.line(2, QStringLiteral("import lightning.pytorch as pl"));
    code.line(1, QStringLiteral("except ImportError:"));
    code.line(2, QStringLiteral("pl = None"));
    return code;
}

Code Writer::fallbackBase() const
{
    Code code;
    code.line(0, QStringLiteral("if pl is not None:"));
    code.line(1, QStringLiteral("LightningModule = pl.LightningModule"));
    code.line(0, QStringLiteral("else:"));
    code.blank();
    code.line(1, QStringLiteral("class LightningModule(nn.Module):"));
    code.line(2, QStringLiteral("\"\"\"What the plain loop below needs of pl.LightningModule.\"\"\""));
    code.blank();
    code.line(2, QStringLiteral("def log(self, name, value):"));
    code.line(3, QStringLiteral("self.__dict__.setdefault(\"logged\", {})[name] = value.item()"));
    return code;
}

Code Writer::helpers()
{
    Code code;
    code.line(0, QStringLiteral("def generator(stream):"));
    code.line(1, QStringLiteral("\"\"\"A generator for one stream of random numbers, seeded as Model Composer "
                                "seeds it (splitmix64).\"\"\""));
    code.line(1, QStringLiteral("mask = (1 << 64) - 1"));
    code.line(1, QStringLiteral("z = (SEED + 0x9E3779B97F4A7C15 * (stream + 1)) & mask"));
    code.line(1, QStringLiteral("z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask"));
    code.line(1, QStringLiteral("z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask"));
    code.line(1, QStringLiteral("return torch.Generator().manual_seed(z ^ (z >> 31))"));
    if (!m_options.weightsFile.isEmpty()) {
        code.blank(2);
        code.append(loadWeights());
    }
    return code;
}

Code Writer::loadWeights()
{
    m_imports.insert(QStringLiteral("os"));
    Code code;
    code.line(0, QStringLiteral("def load_weights(model, path):"));
    code.line(1, QStringLiteral("\"\"\"Loads the weights Model Composer wrote (a state_dict).\"\"\""));
    code.line(1, QStringLiteral("try:"));
    code.line(2, QStringLiteral("state = torch.load(path, weights_only=True)"));
    code.line(1, QStringLiteral("except TypeError:  # PyTorch before 1.13"));
    code.line(2, QStringLiteral("state = torch.load(path)"));
    code.line(1, QStringLiteral("model.load_state_dict(state)"));
    return code;
}

Code Writer::dataFunction()
{
    const TrainingSettings &s = m_settings;
    const DataSettings &d = s.data;
    const TypeEval &root = m_model.root();
    const qint64 in = root.inputs.value(0).elements().value_or(-1);
    const qint64 out = root.outputs.value(0).elements().value_or(-1);
    const QString samples = QString::number(d.samples);
    const bool classTargets = s.classTargets();
    Code code;
    code.line(0, QStringLiteral("def make_data():"));
    auto path = [&](const QString &p) {
        m_imports.insert(QStringLiteral("os"));
        const QString folder = m_options.projectFolder.isEmpty() ? QStringLiteral(".") : m_options.projectFolder;
        return QStringLiteral("os.path.join(os.path.dirname(os.path.abspath(__file__)), %1)")
            .arg(python::word(QDir::cleanPath(folder + QLatin1Char('/') + p)));
    };
    switch (d.kind) {
    case DataSettings::Kind::RandomBinary:
    case DataSettings::Kind::RandomNormal: {
        const bool binary = d.kind == DataSettings::Kind::RandomBinary;
        code.line(1, QStringLiteral("\"\"\"%1 %2 samples, drawn as Model Composer draws them.\"\"\"")
                         .arg(samples, TrainingSettings::dataKindName(d.kind)));
        code.line(1, QStringLiteral("inputs = torch.randn(%1, %2, generator=generator(%3))").arg(samples).arg(in).arg(streams::Inputs));
        if (classTargets)
            code.line(1, QStringLiteral("targets = torch.randint(%1, (%2,), generator=generator(%3))")
                             .arg(std::max<qint64>(out, 1))
                             .arg(samples)
                             .arg(streams::Targets));
        else if (binary)
            code.line(1, QStringLiteral("targets = torch.randint(2, (%1, %2), generator=generator(%3), dtype=torch.float32)")
                             .arg(samples)
                             .arg(out)
                             .arg(streams::Targets));
        else
            code.line(1, QStringLiteral("targets = torch.randn(%1, %2, generator=generator(%3))").arg(samples).arg(out).arg(streams::Targets));
        break;
    }
    case DataSettings::Kind::Blobs: {
        const qint64 classes = classTargets ? std::max<qint64>(out, 1) : std::max<qint64>(out, 2);
        code.line(1, QStringLiteral("\"\"\"%1 samples in %2 Gaussian blobs, drawn as Model Composer draws them.\"\"\"")
                         .arg(samples)
                         .arg(classes));
        code.line(1, QStringLiteral("centres = torch.randn(%1, %2, generator=generator(%3)) * 3.0").arg(classes).arg(in).arg(streams::Centres));
        code.line(1, QStringLiteral("labels = torch.randint(%1, (%2,), generator=generator(%3))").arg(classes).arg(samples).arg(streams::Targets));
        code.line(1, QStringLiteral("noise = torch.randn(%1, %2, generator=generator(%3))").arg(samples).arg(in).arg(streams::Inputs));
        code.line(1, QStringLiteral("inputs = centres.index_select(0, labels) + noise"));
        if (classTargets)
            code.line(1, QStringLiteral("targets = labels"));
        else if (out == 1)
            code.line(1, QStringLiteral("targets = labels.float().unsqueeze(1)"));
        else
            code.line(1, QStringLiteral("targets = nn.functional.one_hot(labels, %1).float()").arg(out));
        break;
    }
    case DataSettings::Kind::Teacher: {
        m_imports.insert(QStringLiteral("math"));
        code.line(1, QStringLiteral("\"\"\"%1 samples labelled by a fixed random teacher network, as Model Composer "
                                    "makes them.\"\"\"")
                         .arg(samples));
        code.line(1, QStringLiteral("g = generator(%1)").arg(streams::Teacher));
        code.line(1, QStringLiteral("w1 = torch.randn(%1, 32, generator=g) / math.sqrt(%1)").arg(in));
        code.line(1, QStringLiteral("b1 = torch.randn(32, generator=g) * 0.1"));
        code.line(1, QStringLiteral("w2 = torch.randn(32, %1, generator=g) / math.sqrt(32)").arg(out));
        code.line(1, QStringLiteral("inputs = torch.randn(%1, %2, generator=generator(%3))").arg(samples).arg(in).arg(streams::Inputs));
        code.line(1, QStringLiteral("scores = torch.tanh(inputs.matmul(w1) + b1).matmul(w2)"));
        if (classTargets)
            code.line(1, QStringLiteral("targets = scores.argmax(1)"));
        else if (s.loss == TrainingSettings::Loss::Bce || s.loss == TrainingSettings::Loss::BceWithLogits)
            code.line(1, QStringLiteral("targets = (scores > 0).float()"));
        else
            code.line(1, QStringLiteral("targets = scores"));
        break;
    }
    case DataSettings::Kind::Reconstruction:
        code.line(1, QStringLiteral("\"\"\"%1 smooth random signals in 0..1, each its own target, as Model Composer "
                                    "makes them.\"\"\"")
                         .arg(samples));
        code.line(1, QStringLiteral("g = generator(%1)").arg(streams::Reconstruction));
        code.line(1, QStringLiteral("position = torch.arange(%1, dtype=torch.float32)").arg(in));
        code.line(1, QStringLiteral("frequency = torch.rand(%1, 4, 1, generator=g) * 0.3 + 0.02").arg(samples));
        code.line(1, QStringLiteral("phase = torch.rand(%1, 4, 1, generator=g) * 6.2831853").arg(samples));
        code.line(1, QStringLiteral("amplitude = torch.randn(%1, 4, 1, generator=g)").arg(samples));
        code.line(1, QStringLiteral("waves = amplitude * torch.sin(frequency * position + phase)"));
        code.line(1, QStringLiteral("inputs = torch.sigmoid(waves.sum(1))"));
        code.line(1, QStringLiteral("targets = inputs.clone()"));
        break;
    case DataSettings::Kind::Csv: {
        m_imports.insert(QStringLiteral("csv"));
        auto names = [](const QStringList &list) {
            QStringList quoted;
            for (const QString &n : list)
                quoted.append(python::word(n));
            return QLatin1Char('[') + quoted.join(QStringLiteral(", ")) + QLatin1Char(']');
        };
        const qint64 targetCount = classTargets ? 1 : out;
        code.line(1, QStringLiteral("\"\"\"The rows of %1: the chosen input and target columns (by default the "
                                    "first and the last).\"\"\"")
                         .arg(QFileInfo(d.path).fileName()));
        code.line(1, QStringLiteral("path = %1").arg(path(d.path)));
        code.line(1, QStringLiteral("with open(path, newline=\"\", encoding=\"utf-8-sig\") as f:"));
        code.line(2, QStringLiteral("rows = [row for row in csv.reader(f) if row]"));
        code.line(1, QStringLiteral("header = [name.strip() for name in rows[0]]"));
        code.line(1, QStringLiteral("input_names = %1").arg(names(d.inputs)));
        code.line(1, QStringLiteral("target_names = %1").arg(names(d.targets)));
        code.line(1, QStringLiteral("inputs = [header.index(name) for name in input_names]"));
        code.line(1, QStringLiteral("targets = [header.index(name) for name in target_names]"));
        code.line(1, QStringLiteral("if not targets:"));
        code.line(2, QStringLiteral("rest = [c for c in range(len(header)) if c not in inputs]"));
        code.line(2, QStringLiteral("targets = rest[-%1:]").arg(targetCount));
        code.line(1, QStringLiteral("if not inputs:"));
        code.line(2, QStringLiteral("inputs = [c for c in range(len(header)) if c not in targets][:%1]").arg(in));
        code.line(1, QStringLiteral("table = torch.tensor("));
        code.line(2, QStringLiteral("[[float(row[c]) for c in inputs + targets] for row in rows[1:]]"));
        code.line(1, QStringLiteral(")"));
        code.line(1, QStringLiteral("inputs, targets = table[:, : len(inputs)], table[:, len(inputs) :]"));
        if (classTargets)
            code.line(1, QStringLiteral("targets = targets.squeeze(1).long()"));
        break;
    }
    case DataSettings::Kind::FashionMnist:
    case DataSettings::Kind::Idx: {
        m_imports.insert(QStringLiteral("gzip"));
        QString images, labels;
        if (d.kind == DataSettings::Kind::Idx) {
            images = path(d.path);
            labels = path(d.labels);
        } else {
            m_imports.insert(QStringLiteral("os"));
            const QString folder = d.path.isEmpty() ? python::word(Dataset::fashionMnistFolder()) : path(d.path);
            images = QStringLiteral("os.path.join(%1, \"train-images-idx3-ubyte.gz\")").arg(folder);
            labels = QStringLiteral("os.path.join(%1, \"train-labels-idx1-ubyte.gz\")").arg(folder);
        }
        code.line(1, QStringLiteral("\"\"\"Images and their labels from IDX files (the format of MNIST), values in 0..1.\"\"\""));
        code.line(1, QStringLiteral("images = %1").arg(images));
        code.line(1, QStringLiteral("labels = %1").arg(labels));
        code.line(1, QStringLiteral("inputs = read_idx(images).flatten(1).float() / 255.0"));
        code.line(1, QStringLiteral("targets = read_idx(labels).long()"));
        break;
    }
    case DataSettings::Kind::ImageFolder: {
        // ImageFolder::read's rules: classes in name order, files in name
        // order, the input's channels and size.
        m_imports.insert(QStringLiteral("PIL.Image"));
        const QList<qint64> dims = root.inputs.value(0).dims();
        const qint64 channels = dims.size() == 3 ? dims.at(0) : 1;
        code.line(1, QStringLiteral("\"\"\"PNG and JPEG images, one sub-folder per class, as Model Composer reads them.\"\"\""));
        code.line(1, QStringLiteral("inputs, targets, classes = read_image_folder(%1, %2, %3, %4)")
                         .arg(path(d.path))
                         .arg(channels)
                         .arg(dims.value(dims.size() - 2))
                         .arg(dims.value(dims.size() - 1)));
        break;
    }
    }
    const Shape inShape = root.inputs.value(0);
    if (inShape.rank() > 1) {
        QStringList dims;
        for (qint64 dim : inShape.dims())
            dims.append(QString::number(dim));
        code.line(1, QStringLiteral("return inputs.reshape(-1, %1), targets").arg(dims.join(QStringLiteral(", "))));
    } else {
        code.line(1, QStringLiteral("return inputs, targets"));
    }
    // The reader make_data() calls, written before it.
    Code reader;
    if (d.kind == DataSettings::Kind::ImageFolder) {
        reader.line(0, QStringLiteral("def read_image_folder(folder, channels, height, width):"));
        reader.line(1, QStringLiteral("\"\"\"Rows of values in 0..1 (channel planes), class indices and class names."));
        reader.blank();
        reader.line(1, QStringLiteral("Model Composer decodes with Qt: grey images at the input's size read the"));
        reader.line(1, QStringLiteral("same; Qt's grey of a colour image and its smooth scaling may differ from"));
        reader.line(1, QStringLiteral("PIL's in the last bits."));
        reader.line(1, QStringLiteral("\"\"\""));
        reader.line(1, QStringLiteral("classes = sorted("));
        reader.line(2, QStringLiteral("d"));
        reader.line(2, QStringLiteral("for d in os.listdir(folder)"));
        reader.line(2, QStringLiteral("if os.path.isdir(os.path.join(folder, d)) and not d.startswith(\".\")"));
        reader.line(1, QStringLiteral(")"));
        reader.line(1, QStringLiteral("rows, labels = [], []"));
        reader.line(1, QStringLiteral("for label, name in enumerate(classes):"));
        reader.line(2, QStringLiteral("for file in sorted(os.listdir(os.path.join(folder, name))):"));
        reader.line(3, QStringLiteral("image_file = file.lower().endswith((\".png\", \".jpg\", \".jpeg\"))"));
        reader.line(3, QStringLiteral("if not image_file or file.startswith(\".\"):"));
        reader.line(4, QStringLiteral("continue"));
        reader.line(3, QStringLiteral("image = PIL.Image.open(os.path.join(folder, name, file))"));
        reader.line(3, QStringLiteral("image = image.convert(\"L\" if channels == 1 else \"RGB\")"));
        reader.line(3, QStringLiteral("if image.size != (width, height):"));
        reader.line(4, QStringLiteral("image = image.resize((width, height), PIL.Image.BILINEAR)"));
        reader.line(3, QStringLiteral("pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)"));
        reader.line(3, QStringLiteral("rows.append(pixels.reshape(height, width, channels).permute(2, 0, 1).flatten())"));
        reader.line(3, QStringLiteral("labels.append(label)"));
        reader.line(1, QStringLiteral("return torch.stack(rows).float() / 255.0, torch.tensor(labels), classes"));
    } else if (d.kind == DataSettings::Kind::FashionMnist || d.kind == DataSettings::Kind::Idx) {
        reader.line(0, QStringLiteral("def read_idx(path):"));
        reader.line(1, QStringLiteral("\"\"\"An IDX file of unsigned bytes (gzipped or not) as a uint8 tensor.\"\"\""));
        reader.line(1, QStringLiteral("with (gzip.open if path.endswith(\".gz\") else open)(path, \"rb\") as f:"));
        reader.line(2, QStringLiteral("data = f.read()"));
        reader.line(1, QStringLiteral("if data[:3] != b\"\\0\\0\\x08\":"));
        reader.line(2, QStringLiteral("raise ValueError(path + \" is not an IDX file of unsigned bytes\")"));
        reader.line(1, QStringLiteral("rank = data[3]"));
        reader.line(1, QStringLiteral("dims = [int.from_bytes(data[4 + 4 * k : 8 + 4 * k], \"big\") for k in range(rank)]"));
        reader.line(1, QStringLiteral("values = bytearray(data[4 + 4 * rank :])"));
        reader.line(1, QStringLiteral("return torch.frombuffer(values, dtype=torch.uint8).reshape(dims)"));
    } else {
        return code;
    }
    reader.blank(2);
    reader.append(code);
    return reader;
}

Code Writer::fitFunctions()
{
    const TrainingSettings &s = m_settings;
    m_imports.insert(QStringLiteral("math"));
    const bool validation = s.validationSplit > 0;
    const bool scheduled = s.schedule.kind != ScheduleSettings::Kind::None;
    const bool early = validation && s.earlyStoppingPatience > 0;
    const bool keepBest = early && s.keepBestWeights;
    Code code;
    code.line(0, QStringLiteral("def split(data):"));
    code.line(1, QStringLiteral("\"\"\"The rows to train on and the rows to validate on, as Model Composer splits them.\"\"\""));
    code.line(1, QStringLiteral("inputs, targets = data"));
    if (s.data.test.source == TestSettings::Source::Share) {
        // Dataset::runData holds the test rows out first, in a seeded order;
        // the training and validation rows are the rest, in that order.
        code.line(1, QStringLiteral("# The %1 share of the rows Model Composer holds out as the test set.")
                         .arg(python::real(s.data.test.share)));
        code.line(1, QStringLiteral("test_rows = max(1, math.floor(inputs.size(0) * %1 + 0.5))")
                         .arg(python::real(s.data.test.share)));
        code.line(1, QStringLiteral("kept = torch.randperm(inputs.size(0), generator=generator(%1))[test_rows:]")
                         .arg(streams::TestShare));
        code.line(1, QStringLiteral("inputs, targets = inputs[kept], targets[kept]"));
    }
    if (!validation) {
        code.line(1, QStringLiteral("return (inputs, targets), None"));
    } else {
        code.line(1, QStringLiteral("rows = inputs.size(0)"));
        code.line(1, QStringLiteral("held_out = max(1, math.floor(rows * %1))").arg(python::real(s.validationSplit)));
        if (s.shuffle) {
            code.line(1, QStringLiteral("order = torch.randperm(rows, generator=generator(%1))").arg(streams::Split));
            code.line(1, QStringLiteral("val = order[:held_out].sort().values"));
            code.line(1, QStringLiteral("train = order[held_out:].sort().values"));
        } else {
            code.line(1, QStringLiteral("train = torch.arange(rows - held_out)"));
            code.line(1, QStringLiteral("val = torch.arange(rows - held_out, rows)"));
        }
        code.line(1, QStringLiteral("return (inputs[train], targets[train]), (inputs[val], targets[val])"));
    }

    if (validation) {
        code.blank(2);
        code.line(0, QStringLiteral("def validation_loss(model, val):"));
        code.line(1, QStringLiteral("\"\"\"The mean loss over the validation rows, in chunks of %1.\"\"\"").arg(kEvaluationChunk));
        code.line(1, QStringLiteral("inputs, targets = val"));
        code.line(1, QStringLiteral("total = 0.0"));
        code.line(1, QStringLiteral("model.eval()"));
        code.line(1, QStringLiteral("with torch.no_grad():"));
        code.line(2, QStringLiteral("for start in range(0, inputs.size(0), %1):").arg(kEvaluationChunk));
        code.line(3, QStringLiteral("batch = inputs[start : start + %1], targets[start : start + %1]").arg(kEvaluationChunk));
        code.line(3, QStringLiteral("total += model.validation_step(batch, 0).item() * batch[0].size(0)"));
        code.line(1, QStringLiteral("model.train()"));
        code.line(1, QStringLiteral("return total / inputs.size(0)"));
    }

    // The plain loop: Trainer::train's steps, in its order.
    code.blank(2);
    code.line(0, QStringLiteral("def fit_plain(model, data):"));
    code.line(1, QStringLiteral("\"\"\"Trains as Model Composer does, without Lightning; returns every step's loss.\"\"\""));
    code.line(1, QStringLiteral("(inputs, targets), val = split(data)"));
    if (scheduled) {
        code.line(1, QStringLiteral("configured = model.configure_optimizers()"));
        code.line(1, QStringLiteral("optimizer = configured[\"optimizer\"]"));
        code.line(1, QStringLiteral("scheduler = configured[\"lr_scheduler\"]"));
    } else {
        code.line(1, QStringLiteral("optimizer = model.configure_optimizers()"));
    }
    code.line(1, QStringLiteral("rows = inputs.size(0)"));
    code.line(1, QStringLiteral("batches = math.ceil(rows / %1)").arg(s.batchSize));
    if (s.limitTrainBatches > 0)
        code.line(1, QStringLiteral("batches = min(batches, %1)").arg(s.limitTrainBatches));
    code.line(1, QStringLiteral("used = min(rows, batches * %1)").arg(s.batchSize));
    code.line(1, QStringLiteral("losses = []"));
    if (early) {
        code.line(1, QStringLiteral("best = math.inf"));
        code.line(1, QStringLiteral("waited = 0"));
    }
    if (keepBest) {
        code.line(1, QStringLiteral("best_epoch = -1"));
        code.line(1, QStringLiteral("best_state = None"));
    }
    code.line(1, QStringLiteral("model.train()"));
    code.line(1, QStringLiteral("for epoch in range(%1):").arg(s.epochs));
    if (s.shuffle) {
        code.line(2, QStringLiteral("order = torch.randperm(rows, generator=generator(%1 + epoch))[:used]").arg(streams::EpochBase));
        code.line(2, QStringLiteral("x_epoch, y_epoch = inputs[order], targets[order]"));
    } else {
        code.line(2, QStringLiteral("x_epoch, y_epoch = inputs, targets"));
    }
    code.line(2, QStringLiteral("for batch_idx in range(batches):"));
    code.line(3, QStringLiteral("start = batch_idx * %1").arg(s.batchSize));
    code.line(3, QStringLiteral("end = min(start + %1, used)").arg(s.batchSize));
    code.line(3, QStringLiteral("batch = x_epoch[start:end], y_epoch[start:end]"));
    code.line(3, QStringLiteral("optimizer.zero_grad(set_to_none=True)"));
    code.line(3, QStringLiteral("loss = model.training_step(batch, batch_idx)"));
    code.line(3, QStringLiteral("loss.backward()"));
    if (s.gradientClipNorm > 0)
        code.line(3, QStringLiteral("nn.utils.clip_grad_norm_(model.parameters(), %1)").arg(python::real(s.gradientClipNorm)));
    code.line(3, QStringLiteral("optimizer.step()"));
    code.line(3, QStringLiteral("losses.append(loss.item())"));
    if (scheduled)
        code.line(2, QStringLiteral("scheduler.step()"));
    code.line(2, QStringLiteral("mean = sum(losses[-batches:]) / batches"));
    if (validation) {
        code.line(2, QStringLiteral("val_loss = validation_loss(model, val)"));
        code.line(2, QStringLiteral("print(f\"epoch {epoch + 1}: train_loss {mean:.6g}, val_loss {val_loss:.6g}\")"));
        if (s.earlyStoppingPatience > 0) {
            code.line(2, QStringLiteral("if val_loss < best:"));
            code.line(3, QStringLiteral("best, waited = val_loss, 0"));
            if (keepBest) {
                code.line(3, QStringLiteral("best_epoch = epoch"));
                code.line(3, QStringLiteral("best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}"));
            }
            code.line(2, QStringLiteral("else:"));
            code.line(3, QStringLiteral("waited += 1"));
            code.line(3, QStringLiteral("if waited >= %1:").arg(s.earlyStoppingPatience));
            code.line(4, QStringLiteral("break"));
        }
    } else {
        code.line(2, QStringLiteral("print(f\"epoch {epoch + 1}: train_loss {mean:.6g}\")"));
    }
    if (keepBest) {
        // keep_best_weights: the run ends with its best epoch's weights.
        code.line(1, QStringLiteral("if best_state is not None:"));
        code.line(2, QStringLiteral("model.load_state_dict(best_state)"));
        code.line(2, QStringLiteral("print(f\"kept the weights of epoch {best_epoch + 1}, of lowest val_loss {best:.6g}\")"));
    }
    code.line(1, QStringLiteral("return losses"));

    // Lightning: the same settings, its own loop.
    code.blank(2);
    code.line(0, QStringLiteral("def fit_lightning(model, data):"));
    code.line(1, QStringLiteral("\"\"\"Trains with PyTorch Lightning, as the article's examples do.\"\"\""));
    code.line(1, QStringLiteral("train, val = split(data)"));
    code.line(1, QStringLiteral("loader = torch.utils.data.DataLoader("));
    code.line(2, QStringLiteral("torch.utils.data.TensorDataset(*train), batch_size=%1, shuffle=%2")
                     .arg(s.batchSize)
                     .arg(python::boolean(s.shuffle)));
    code.line(1, QStringLiteral(")"));
    QStringList trainer{QStringLiteral("max_epochs=%1").arg(s.epochs)};
    if (s.limitTrainBatches > 0)
        trainer.append(QStringLiteral("limit_train_batches=%1").arg(s.limitTrainBatches));
    if (s.gradientClipNorm > 0)
        trainer.append(QStringLiteral("gradient_clip_val=%1").arg(python::real(s.gradientClipNorm)));
    if (keepBest) {
        // The best epoch's weights, as ModelCheckpoint keeps them.
        code.line(1, QStringLiteral("best = pl.callbacks.ModelCheckpoint(monitor=\"val_loss\", save_top_k=1)"));
        trainer.append(QStringLiteral("callbacks=[pl.callbacks.EarlyStopping(\"val_loss\", patience=%1), best]")
                           .arg(s.earlyStoppingPatience));
    } else if (early) {
        trainer.append(QStringLiteral("callbacks=[pl.callbacks.EarlyStopping(\"val_loss\", patience=%1)]")
                           .arg(s.earlyStoppingPatience));
    }
    code.line(1, QStringLiteral("trainer = pl.Trainer(%1)").arg(trainer.join(QStringLiteral(", "))));
    if (validation) {
        code.line(1, QStringLiteral("val_loader = torch.utils.data.DataLoader("));
        code.line(2, QStringLiteral("torch.utils.data.TensorDataset(*val), batch_size=%1").arg(kEvaluationChunk));
        code.line(1, QStringLiteral(")"));
        code.line(1, QStringLiteral("trainer.fit(model, loader, val_loader)"));
        if (keepBest) {
            // A Lightning checkpoint holds more than tensors (callbacks' state).
            code.line(1, QStringLiteral("checkpoint = torch.load(best.best_model_path, map_location=\"cpu\", weights_only=False)"));
            code.line(1, QStringLiteral("model.load_state_dict(checkpoint[\"state_dict\"])"));
        }
    } else {
        code.line(1, QStringLiteral("trainer.fit(model, loader)"));
    }
    return code;
}

Code Writer::untrainedMain() const
{
    Code code;
    code.line(0, QStringLiteral("if __name__ == \"__main__\":"));
    code.line(1, QStringLiteral("model = %1()").arg(m_rootClass));
    if (!m_options.weightsFile.isEmpty()) {
        code.line(1, QStringLiteral("here = os.path.dirname(os.path.abspath(__file__))"));
        code.line(1, QStringLiteral("load_weights(model, os.path.join(here, %1))").arg(python::word(m_options.weightsFile)));
    }
    code.line(1, QStringLiteral("print(model)"));
    return code;
}

Code Writer::mainBlock()
{
    Code code;
    code.line(0, QStringLiteral("if __name__ == \"__main__\":"));
    code.line(1, QStringLiteral("torch.manual_seed(SEED)"));
    code.line(1, QStringLiteral("model = %1()").arg(m_rootClass));
    if (!m_options.weightsFile.isEmpty()) {
        code.line(1, QStringLiteral("here = os.path.dirname(os.path.abspath(__file__))"));
        code.line(1, QStringLiteral("load_weights(model, os.path.join(here, %1))").arg(python::word(m_options.weightsFile)));
    }
    code.line(1, QStringLiteral("data = make_data()"));
    code.line(1, QStringLiteral("if pl is not None:"));
    code.line(2, QStringLiteral("fit_lightning(model, data)"));
    code.line(1, QStringLiteral("else:"));
    code.line(2, QStringLiteral("fit_plain(model, data)"));
    return code;
}

QString Writer::write()
{
    collect(m_model.root());
    QSet<QString> seen;
    order(m_project.root, seen);

    // Module-level names: what the file imports and defines.
    for (const char *name : {"pl", "os", "math", "csv", "gzip", "LightningModule", "SEED", "generator",
                             "load_weights", "make_data", "read_idx", "split", "validation_loss", "fit_plain",
                             "fit_lightning", "model", "here", "data"})
        m_globals.take(QString::fromLatin1(name));
    for (const QString &name : std::as_const(m_order)) {
        TypeInfo &info = m_types[name];
        info.className = m_globals.fresh(name);
    }
    for (const QString &name : std::as_const(m_order)) {
        TypeInfo &info = m_types[name];
        QSet<QString> classes;
        for (const TypeInfo &other : std::as_const(m_types))
            classes.insert(other.className);
        LocalNames params(classes);
        for (const Argument &a : info.type->arguments)
            info.arguments.insert(a.name, params.fresh(a.name));
    }
    const TypeInfo &root = m_types[m_project.root];
    m_rootClass = root.className;
    {
        QSet<QString> attributes;
        for (const Instance &inst : root.type->instances)
            attributes.insert(inst.name);
        LocalNames names(attributes);
        m_lossAttribute = names.fresh(QStringLiteral("loss_fn"));
    }

    // The classes first (they tell whether anything is frozen), then the rest.
    m_trainable = !m_model.trainingRefusal();
    Code classes;
    for (const QString &name : std::as_const(m_order)) {
        classes.blank(2);
        classes.append(moduleClass(m_types[name], name == m_project.root));
    }
    if (!m_trainable) {
        // Training takes one input and one output: the model alone, and a
        // sentence that says why there is no more.
        const Code weights = m_options.weightsFile.isEmpty() ? Code() : loadWeights();
        const Code main = untrainedMain();
        Code file = header();
        file.line(0, QStringLiteral("# No training code: %1").arg(*m_model.trainingRefusal()));
        file.blank();
        file.append(imports());
        file.append(classes);
        if (!m_options.weightsFile.isEmpty()) {
            file.blank(2);
            file.append(weights);
        }
        file.blank(2);
        file.append(main);
        return file.text();
    }
    const Code helperCode = helpers();
    const Code data = dataFunction();
    const Code fit = fitFunctions();
    const Code main = mainBlock();

    Code file = header();
    file.blank();
    file.append(imports());
    file.blank();
    file.line(0, QStringLiteral("SEED = %1").arg(m_settings.seed));
    file.blank(2);
    file.append(fallbackBase());
    file.append(classes);
    file.blank(2);
    file.append(helperCode);
    file.blank(2);
    file.append(data);
    file.blank(2);
    file.append(fit);
    file.blank(2);
    file.append(main);
    return file.text();
}

} // namespace

QString PythonExporter::source(const CheckedModel &model, const PythonExportOptions &options)
{
    const TrainingSettings settings = TrainingSettings::fromJson(model.project().training);
    return Writer(model, settings, options).write();
}

QString PythonExporter::weightsPath(const QString &pythonPath)
{
    const QFileInfo info(pythonPath);
    const QString stem = info.suffix() == QLatin1String("py") ? info.completeBaseName() : info.fileName();
    const QString name = stem + QStringLiteral(".weights.pt");
    return info.path() == QLatin1String(".") ? name : info.dir().filePath(name);
}

bool PythonExporter::saveWeights(ComposedModule &module, const QString &path, QString *error)
{
    auto fail = [&](const QString &reason) {
        if (error)
            *error = QStringLiteral("Cannot write the weights %1: %2").arg(path, reason);
        return false;
    };
    std::vector<char> bytes;
    try {
        c10::Dict<std::string, torch::Tensor> state;
        torch::NoGradGuard noGrad;
        for (const auto &p : module->named_parameters())
            state.insert(p.key(), p.value().detach().clone().contiguous());
        for (const auto &b : module->named_buffers())
            state.insert(b.key(), b.value().detach().clone().contiguous());
        // torch::pickle_save, but without the type tags of TorchScript's typed
        // dicts, which torch.load(weights_only=True) refuses: a plain dict of
        // tensors, as torch.save(model.state_dict()) writes it.
        std::vector<char> pickled;
        torch::jit::Pickler pickler([&](const char *data, size_t size) { pickled.insert(pickled.end(), data, data + size); },
                                    nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
        pickler.protocol();
        pickler.pushIValue(c10::IValue(state));
        pickler.stop();
        caffe2::serialize::PyTorchStreamWriter writer([&](const void *data, size_t size) {
            const char *begin = static_cast<const char *>(data);
            bytes.insert(bytes.end(), begin, begin + size);
            return size;
        });
        torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(), writer);
        writer.writeEndOfFile();
    } catch (const c10::Error &e) {
        return fail(QString::fromUtf8(e.what_without_backtrace()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()))
        return fail(file.errorString());
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

bool PythonExporter::save(const CheckedModel &model, ComposedModule *module, const QString &path,
                          const QString &projectPath, QString *error)
{
    auto fail = [&](const QString &reason) {
        if (error)
            *error = QStringLiteral("Cannot export %1: %2").arg(path, reason);
        return false;
    };
    const QFileInfo out(path);
    PythonExportOptions options;
    options.projectName = QFileInfo(projectPath).fileName();
    const QString projectDir = projectPath.isEmpty() ? QDir::currentPath() : QFileInfo(projectPath).absolutePath();
    options.projectFolder = out.absoluteDir().relativeFilePath(projectDir);
    if (options.projectFolder.isEmpty())
        options.projectFolder = QStringLiteral(".");
    const QString weights = weightsPath(path);
    if (module)
        options.weightsFile = QFileInfo(weights).fileName();
    QString text;
    try {
        text = source(model, options);
    } catch (const std::exception &e) {
        return fail(QString::fromUtf8(e.what()));
    }
    if (module && !saveWeights(*module, weights, error))
        return false;
    QSaveFile file(path);
    const QByteArray bytes = text.toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return fail(file.errorString());
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

} // namespace mc
