#include "export/TorchScriptExporter.h"

#include "analysis/CheckedModel.h"
#include "layers/LayerRegistry.h"
#include "layers/PythonText.h"
#include "build/ModelBuilder.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "document/ZipDirectory.h"
#include "export/ForwardPlan.h"
#include "export/LocalNames.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <cmath>
#include <map>
#include <ostream>
#include <streambuf>

namespace mc {

namespace {

using JitModule = torch::jit::Module;

std::string str(const QString &s)
{
    return s.toStdString();
}

/// `self.fc`, or `getattr(self, "0")` for a name that source cannot spell
/// after a dot (the blocks of a stack).
QString member(const QString &name)
{
    if (LocalNames::isIdentifier(name) && !LocalNames::reservedWords().contains(name))
        return QStringLiteral("self.") + name;
    return QStringLiteral("getattr(self, \"%1\")").arg(name);
}

QString shapeText(const std::vector<int64_t> &shape)
{
    QStringList parts;
    for (int64_t d : shape)
        parts.append(QString::number(d));
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

/// A TorchScript module to create: its class, its attributes in order, its forward.
struct ModuleSpec
{
    /// What an attribute is.
    enum class Kind {
        Parameter, ///< A tensor that `parameters()` lists.
        Buffer,    ///< A tensor that `buffers()` lists.
        Submodule, ///< A child module.
    };
    struct Entry
    {
        std::string name;
        Kind kind = Kind::Parameter;
        torch::Tensor tensor;
        JitModule module;
    };
    QString className;
    std::vector<Entry> entries;
    QString forward; ///< TorchScript source of `forward`.
};

/// Builds the TorchScript tree of one module tree. Modules whose class, forward
/// and attributes coincide share one TorchScript class (every `Linear` with a
/// bias is one `Linear` class), so the code in the archive stays small.
class ScriptBuilder
{
public:
    explicit ScriptBuilder(const ProjectData &project)
        : m_project(project), m_unit(std::make_shared<torch::jit::CompilationUnit>())
    {}

    JitModule composed(const TypeEval &eval, torch::nn::Module &source, const QString &path);

private:
    JitModule builtin(const InstanceEval &ie, torch::nn::Module &source, const QString &path);
    JitModule stack(const InstanceEval &ie, torch::nn::Module &source, const QString &path);
    JitModule create(const ModuleSpec &spec);

    const ProjectData &m_project;
    std::shared_ptr<torch::jit::CompilationUnit> m_unit;
    std::map<std::string, c10::ClassTypePtr> m_types;
};

[[noreturn]] void mismatch(const QString &what)
{
    throw ExportError(str(QStringLiteral("The module tree does not match the project: %1. Build it "
                                         "again from this project and export once more.")
                              .arg(what)));
}

QString child(const QString &path, const QString &name)
{
    return path.isEmpty() ? name : path + QLatin1Char('.') + name;
}

QString shown(const QString &path)
{
    return path.isEmpty() ? QStringLiteral("the root model") : QStringLiteral("`%1`").arg(path);
}

JitModule ScriptBuilder::create(const ModuleSpec &spec)
{
    std::string key = str(spec.className) + '\n' + str(spec.forward);
    for (const ModuleSpec::Entry &e : spec.entries) {
        key += '\n' + e.name + ':' + std::to_string(int(e.kind));
        if (e.kind == ModuleSpec::Kind::Submodule)
            key += ':' + e.module.type()->name()->qualifiedName();
    }
    const auto known = m_types.find(key);
    JitModule m = known != m_types.end()
                      ? JitModule(m_unit, known->second)
                      : JitModule(c10::QualifiedName("__torch__." + str(spec.className)), m_unit,
                                  /*shouldMangle=*/true);
    m.register_attribute("training", c10::BoolType::get(), true);
    for (const ModuleSpec::Entry &e : spec.entries) {
        switch (e.kind) {
        case ModuleSpec::Kind::Parameter:
            m.register_parameter(e.name, e.tensor, /*is_buffer=*/false);
            break;
        case ModuleSpec::Kind::Buffer:
            m.register_buffer(e.name, e.tensor);
            break;
        case ModuleSpec::Kind::Submodule:
            m.register_module(e.name, e.module);
            break;
        }
    }
    if (known == m_types.end()) {
        m.define(str(spec.forward));
        m_types.emplace(key, m.type());
    }
    return m;
}

JitModule ScriptBuilder::builtin(const InstanceEval &ie, torch::nn::Module &source,
                                 const QString &path)
{
    const mc::LayerDefinition &layer = *ie.layer;
    const auto params = source.named_parameters(/*recurse=*/false);
    const auto buffers = source.named_buffers(/*recurse=*/false);
    ModuleSpec spec;
    spec.className = layer.name;
    size_t expectedParams = 0, expectedBuffers = 0;
    // A copy of each tensor the layer holds, checked to be there with the
    // shape the project gives it.
    const QList<mc::TensorSpec> tensors = layer.tensors ? layer.tensors(ie.options) : QList<mc::TensorSpec>();
    for (const mc::TensorSpec &ts : tensors) {
        const std::string name = str(ts.name);
        const torch::Tensor *t = ts.buffer ? buffers.find(name) : params.find(name);
        if (!t || !t->defined())
            mismatch(QStringLiteral("%1 has no %2 `%3`")
                         .arg(shown(path), ts.buffer ? QStringLiteral("buffer") : QStringLiteral("parameter"), ts.name));
        if (t->sizes().vec() != ts.shape)
            mismatch(QStringLiteral("`%1.%2` has the shape %3, the project gives %4")
                         .arg(path, ts.name, shapeText(t->sizes().vec()), shapeText(ts.shape)));
        torch::Tensor copy = t->detach().clone();
        if (!ts.buffer)
            copy.set_requires_grad(t->requires_grad());
        spec.entries.push_back({name, ts.buffer ? ModuleSpec::Kind::Buffer : ModuleSpec::Kind::Parameter, copy, JitModule()});
        (ts.buffer ? expectedBuffers : expectedParams) += 1;
    }
    size_t sourceParams = 0, sourceBuffers = 0;
    for (const auto &p : params)
        sourceParams += p.value().defined() ? 1 : 0;
    for (const auto &b : buffers)
        sourceBuffers += b.value().defined() ? 1 : 0;
    if (sourceParams != expectedParams || sourceBuffers != expectedBuffers || !source.children().empty())
        mismatch(QStringLiteral("%1 holds other tensors than a %2 of the project").arg(shown(path), layer.name));

    QString signature = QStringLiteral("def forward(self");
    for (const QString &input : layer.inputs)
        signature += QStringLiteral(", %1: Tensor").arg(input);
    // Several outputs are returned as a tuple, whose type TorchScript infers.
    signature += layer.outputs.size() == 1 ? QStringLiteral(") -> Tensor:\n") : QStringLiteral("):\n");
    try {
        spec.forward = signature + layer.scriptCode(ie.options, layer.inputs);
    } catch (const std::invalid_argument &e) {
        throw ExportError(e.what());
    }
    return create(spec);
}

JitModule ScriptBuilder::stack(const InstanceEval &ie, torch::nn::Module &source, const QString &path)
{
    auto *blocks = dynamic_cast<BlockStackImpl *>(&source);
    if (!blocks)
        mismatch(QStringLiteral("%1 is not a stack").arg(shown(path)));
    if (blocks->blocks().size() != size_t(ie.blocks.size()))
        mismatch(QStringLiteral("%1 has %2 blocks, the project gives %3")
                     .arg(shown(path))
                     .arg(blocks->blocks().size())
                     .arg(ie.blocks.size()));
    ModuleSpec spec;
    spec.className = kStackType;
    QString body;
    for (int b = 0; b < ie.blocks.size(); ++b) {
        const QString name = QString::number(b);
        spec.entries.push_back({str(name), ModuleSpec::Kind::Submodule, {},
                                composed(*ie.blocks.at(b), *blocks->blocks().at(size_t(b)).ptr(), child(path, name))});
        // `self.0` is not TorchScript: the blocks are reached through getattr.
        body += QStringLiteral("    x = %1.forward(x)\n").arg(member(name));
    }
    spec.forward = QStringLiteral("def forward(self, x: Tensor) -> Tensor:\n") + body +
                   QStringLiteral("    return x\n");
    return create(spec);
}

JitModule ScriptBuilder::composed(const TypeEval &eval, torch::nn::Module &source, const QString &path)
{
    const ModuleType *type = m_project.type(eval.type);
    auto *module = dynamic_cast<ComposedModuleImpl *>(&source);
    if (!type || !module || module->typeName() != str(eval.type))
        mismatch(QStringLiteral("%1 is not a %2").arg(shown(path), eval.type));
    if (!source.named_parameters(false).is_empty() || !source.named_buffers(false).is_empty())
        mismatch(QStringLiteral("%1 holds tensors of its own").arg(shown(path)));

    ModuleSpec spec;
    spec.className = type->name;
    const auto children = source.named_children();
    size_t submodules = 0;
    for (const InstanceEval &ie : eval.instances) {
        if (ie.layer && ie.layer->isOperator)
            continue;
        const QString childPath = child(path, ie.name);
        const auto *found = children.find(str(ie.name));
        if (!found)
            mismatch(QStringLiteral("%1 is missing").arg(shown(childPath)));
        torch::nn::Module &c = **found;
        JitModule j = ie.body ? composed(*ie.body, c, childPath)
                      : ie.type == kStackType ? stack(ie, c, childPath)
                                              : builtin(ie, c, childPath);
        spec.entries.push_back({str(ie.name), ModuleSpec::Kind::Submodule, {}, j});
        ++submodules;
    }
    if (children.size() != submodules)
        mismatch(QStringLiteral("%1 has %2 children, the project gives %3")
                     .arg(shown(path))
                     .arg(children.size())
                     .arg(submodules));

    // One local variable per output port of a call, named after the instance.
    LocalNames names;
    const ForwardPlan plan = ForwardPlan::make(m_project, eval, names);
    QString signature = QStringLiteral("def forward(self");
    for (const QString &input : plan.inputs)
        signature += QStringLiteral(", %1: Tensor").arg(input);
    signature += QStringLiteral("):\n");

    QString body;
    for (const ForwardCall &c : plan.calls) {
        const InstanceEval *ie = c.instance;
        const QString call = ie->layer && ie->layer->isOperator
                                 ? ie->layer->scriptCode(ie->options, c.arguments)
                                 : QStringLiteral("%1.forward(%2)").arg(member(ie->name), c.arguments.join(QStringLiteral(", ")));
        body += QStringLiteral("    ") + (c.results.isEmpty() ? call : c.results.join(QStringLiteral(", ")) +
                                                                    QStringLiteral(" = ") + call) +
                QLatin1Char('\n');
    }
    const QStringList &results = plan.outputs;
    if (results.size() == 1)
        body += QStringLiteral("    return %1\n").arg(results.first());
    else if (results.isEmpty())
        body += QStringLiteral("    return None\n");
    else
        body += QStringLiteral("    return (%1)\n").arg(results.join(QStringLiteral(", ")));
    spec.forward = signature + body;
    return create(spec);
}

/// Checks that two lists of named tensors have the same names, in order, and shapes.
template <typename A, typename B>
void compareTensors(const A &expected, const B &got, const char *what)
{
    std::vector<std::pair<std::string, std::vector<int64_t>>> e, g;
    for (const auto &item : expected)
        e.emplace_back(item.key(), item.value().sizes().vec());
    for (const auto &item : got)
        g.emplace_back(item.name, item.value.sizes().vec());
    if (e != g)
        mismatch(QStringLiteral("the export holds %1 %2, the module tree %3")
                     .arg(g.size())
                     .arg(QLatin1String(what))
                     .arg(e.size()));
}

/// A std::streambuf that writes to a QIODevice, so that torch writes the
/// archive straight into a QSaveFile.
class DeviceStreamBuf : public std::streambuf
{
public:
    explicit DeviceStreamBuf(QIODevice *device) : m_device(device) {}

protected:
    // The device is unbuffered, so a short write (full disk) shows here; the
    // write after it gives the reason. A failure is remembered, not passed on:
    // LibTorch's zip writer then throws from its destructor, which ends the
    // program (tst_saving::checkpointAndExportOnAFullDisk). save() checks failed().
    std::streamsize xsputn(const char *s, std::streamsize n) override
    {
        for (std::streamsize done = 0; !m_failed && done < n;) {
            const qint64 w = m_device->write(s + done, n - done);
            if (w <= 0)
                m_failed = true;
            else
                done += w;
        }
        return n;
    }
    int_type overflow(int_type c) override
    {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        xsputn(&ch, 1);
        return c;
    }

public:
    bool failed() const { return m_failed; }

private:
    QIODevice *m_device;
    bool m_failed = false;
};

// --- Reading the project entry of the zip archive --------------------------
// A .pt file is a zip archive; PyTorch stores the extra files uncompressed.
// Only the zip directory and the one entry are read: no TorchScript code is
// parsed, compiled or run, and no size the file claims is trusted unchecked.

/// The bytes of the entry `<archive>/extra/<entry>`; throws ZipFailure.
QByteArray readZipEntry(QIODevice &file, const QString &entry, qint64 maxBytes)
{
    const QByteArray suffix = (QStringLiteral("/extra/") + entry).toUtf8();
    for (const ZipEntry &e : readZipDirectory(file)) {
        const qsizetype slash = e.name.indexOf('/');
        if (slash > 0 && e.name.mid(slash) == suffix) {
            try {
                return readStoredZipEntry(file, e, maxBytes);
            } catch (const ZipFailure &f) {
                throw ZipFailure{f.problem, QStringLiteral("its project entry ") + f.detail};
            }
        }
    }
    throw ZipFailure{ZipProblem::NoEntry, QString()};
}

QString exportFailure(const QString &path, const QString &reason)
{
    return QStringLiteral("Cannot export %1: %2").arg(path, reason);
}

} // namespace

torch::jit::Module TorchScriptExporter::toScript(const ProjectData &project, ComposedModule &module)
{
    return toScript(CheckedModel::check(project), module);
}

torch::jit::Module TorchScriptExporter::toScript(const CheckedModel &model, ComposedModule &module)
{
    const ProjectData &project = model.project();
    ScriptBuilder builder(project);
    JitModule script = builder.composed(model.root(), *module, QString());
    // The tree was walked by the project; make sure it covered every tensor.
    compareTensors(module->named_parameters(), script.named_parameters(), "parameters");
    compareTensors(module->named_buffers(), script.named_buffers(), "buffers");
    script.eval();
    return script;
}

bool TorchScriptExporter::save(const ProjectData &project, ComposedModule &module, const QString &path,
                               QString *error)
{
    try {
        return save(CheckedModel::check(project), module, path, error);
    } catch (const BuildError &e) {
        if (error)
            *error = exportFailure(path, QString::fromUtf8(e.what()));
        return false;
    }
}

bool TorchScriptExporter::save(const CheckedModel &model, ComposedModule &module, const QString &path,
                               QString *error)
{
    const ProjectData &project = model.project();
    auto fail = [&](const QString &reason) {
        if (error)
            *error = exportFailure(path, reason);
        return false;
    };
    JitModule script;
    try {
        script = toScript(model, module);
    } catch (const c10::Error &e) {
        return fail(QString::fromUtf8(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        return fail(QString::fromUtf8(e.what()));
    }
    // Unbuffered: Qt 6.4's buffered QSaveFile reports a short write (full
    // disk) as whole and commits the cut file (tst_saving).
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return fail(file.errorString());
    const torch::jit::ExtraFilesMap extra{{kProjectEntry, ProjectFile::toBytes(project).toStdString()}};
    try {
        DeviceStreamBuf buffer(&file);
        std::ostream stream(&buffer);
        script.save(stream, extra);
        stream.flush();
        if (!stream || buffer.failed())
            return fail(file.errorString());
    } catch (const c10::Error &e) {
        // QSaveFile discards the temporary file when it is destroyed uncommitted.
        return fail(QString::fromUtf8(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        return fail(QString::fromUtf8(e.what()));
    }
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

ProjectData TorchScriptExporter::readProject(const QString &ptPath)
{
    const QString name = QFileInfo(ptPath).fileName();
    QFile file(ptPath);
    if (!file.open(QIODevice::ReadOnly))
        throw ProjectFormatError(QStringLiteral("Cannot open %1: %2").arg(ptPath, file.errorString()));
    QByteArray bytes;
    try {
        bytes = readZipEntry(file, QLatin1String(kProjectEntry), ProjectFile::kMaxBytes);
    } catch (const ZipFailure &f) {
        switch (f.problem) {
        case ZipProblem::NotZip:
            throw ProjectFormatError(
                QStringLiteral("%1 is not a TorchScript file exported by Model Composer (%2).").arg(name, f.detail));
        case ZipProblem::NoEntry:
            throw ProjectFormatError(
                QStringLiteral("%1 is a zip archive but not a Model Composer export: it holds no project "
                               "(extra file %2).")
                    .arg(name, QLatin1String(kProjectEntry)));
        case ZipProblem::BadEntry:
            throw ProjectFormatError(QStringLiteral("%1 is a Model Composer export, but %2.").arg(name, f.detail));
        }
    }
    try {
        return ProjectFile::fromBytes(bytes);
    } catch (const ProjectFormatError &e) {
        throw ProjectFormatError(QStringLiteral("%1 (%2): %3").arg(name, QLatin1String(kProjectEntry), e.message()));
    }
}

} // namespace mc
