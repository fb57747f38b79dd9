// mc-bench: the measurements behind docs/benchmarks.md. Each call prints one
// JSON object on stdout; bench/run_benchmarks.py runs the calls side by side
// and writes the table.
//
//   mc-bench throughput --model NAME --way composed|handwritten|composed-plain
//                       [--steps N] [--warmup N] [--repeats N] [--threads N]
//   mc-bench scale --nodes N --shape chain|wide [--repeats N]
//   mc-bench params --model NAME --projects DIRS [--seed N]
//       (the hand-written model and the composed one, made from one seed, have
//       the same parameters and buffers: names, shapes and values; exit code 1 if not)

#include "analysis/Analysis.h"
#include "HandWrittenModels.h"
#include "build/ModelBuilder.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "ThroughputLoop.h"
#include "export/TorchScriptExporter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <iostream>

using namespace mc;

namespace {

QString option(const QStringList &args, const QString &name, const QString &fallback)
{
    const int i = int(args.indexOf(name));
    return (i >= 0 && i + 1 < args.size()) ? args.at(i + 1) : fallback;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

void print(const QJsonObject &o)
{
    std::cout << QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() << std::endl;
}

std::shared_ptr<torch::nn::Module> handwrittenModel(const QString &model, ForwardFn *forward)
{
    using namespace handwritten;
    auto wrap = [&](auto m) {
        *forward = [m](const torch::Tensor &x) mutable { return m->forward(x); };
        return std::static_pointer_cast<torch::nn::Module>(m.ptr());
    };
    if (model == QLatin1String("encoder-decoder"))
        return wrap(EncoderDecoder());
    if (model == QLatin1String("configurable-blocks"))
        return wrap(Configurable());
    if (model == QLatin1String("shared-block"))
        return wrap(SharedBlock());
    if (model == QLatin1String("wide-mlp"))
        return wrap(WideMlp());
    if (model == QLatin1String("deep-stack"))
        return wrap(DeepStack());
    if (model == QLatin1String("lenet"))
        return wrap(LeNet());
    if (model == QLatin1String("conv-autoencoder"))
        return wrap(ConvAutoencoder());
    throw std::runtime_error("unknown model " + model.toStdString());
}

/// The project file of a benchmark model, in one of the colon-separated folders.
QString findProject(const QString &folders, const QString &model)
{
    for (const QString &dir : folders.split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        const QString path = dir + QLatin1Char('/') + model + QStringLiteral(".mcproj");
        if (QFileInfo::exists(path))
            return path;
    }
    throw std::runtime_error("no project for " + model.toStdString() + " in " + folders.toStdString());
}

/// The composed model's batch sizes, from the analysis of its project: its one
/// input's shape with the batch in front ([B, 1, 28, 28] for an image). They
/// must be the benchmark's, or the ways would train on different tensors.
void checkBatchShape(const ProjectData &project, const BenchSpec &spec)
{
    const Analysis analysis(project);
    if (analysis.hasErrors() || !analysis.root() || analysis.root()->inputs.size() != 1)
        throw std::runtime_error("the project does not analyse to one input");
    const std::vector<int64_t> shape = analysis.root()->inputs.first().batched(spec.batch);
    if (shape != spec.batchShape())
        throw std::runtime_error("the project's input is " + c10::str(c10::IntArrayRef(shape)) +
                                 " a batch, the benchmark's data " + c10::str(c10::IntArrayRef(spec.batchShape())));
}

int throughput(const QStringList &args)
{
    const QString model = option(args, QStringLiteral("--model"), QStringLiteral("encoder-decoder"));
    const QString way = option(args, QStringLiteral("--way"), QStringLiteral("composed"));
    const int steps = option(args, QStringLiteral("--steps"), QStringLiteral("2000")).toInt();
    const int warmup = option(args, QStringLiteral("--warmup"), QStringLiteral("200")).toInt();
    const int repeats = option(args, QStringLiteral("--repeats"), QStringLiteral("5")).toInt();
    const int threads = option(args, QStringLiteral("--threads"), QStringLiteral("1")).toInt();
    const QString projectDir = option(args, QStringLiteral("--projects"), QString());
    torch::set_num_threads(threads);

    const BenchSpec spec = benchSpec(model);
    std::vector<double> rates;
    for (int r = 0; r < repeats; ++r) {
        torch::manual_seed(uint64_t(r));
        const BenchData data = makeBenchData(spec, uint64_t(r));
        double seconds = 0;
        if (way == QLatin1String("handwritten")) {
            ForwardFn forward;
            auto m = handwrittenModel(model, &forward);
            seconds = plainLoop(*m, forward, spec, data, warmup, steps);
        } else {
            const ProjectData project = ProjectFile::load(findProject(projectDir, model));
            checkBatchShape(project, spec);
            ComposedModule m = ModelBuilder::build(project, uint64_t(r));
            if (way == QLatin1String("composed-plain")) {
                // A diagnostic: the composed module in the hand-written loop, which
                // tells the module's cost apart from the trainer loop's.
                seconds = plainLoop(*m, [m](const torch::Tensor &x) mutable { return m->forward(x); }, spec,
                                    data, warmup, steps);
            } else {
                seconds = trainerLoop(project, m, spec, data, warmup, steps);
            }
        }
        rates.push_back(steps / seconds);
    }
    QJsonArray all;
    for (double v : rates)
        all.append(v);
    print({{QStringLiteral("model"), model}, {QStringLiteral("way"), way},
           {QStringLiteral("threads"), threads}, {QStringLiteral("steps"), steps},
           {QStringLiteral("steps_per_s"), median(rates)}, {QStringLiteral("runs"), all}});
    return 0;
}

/// Whether the hand-written model and the composed one, each made right after
/// seeding LibTorch with the same seed, hold the same parameters and buffers in
/// the same order (names, shapes and values). Prints them; exit code 1 if not.
int params(const QStringList &args)
{
    const QString model = option(args, QStringLiteral("--model"), QStringLiteral("encoder-decoder"));
    const QString projectDir = option(args, QStringLiteral("--projects"), QString());
    const uint64_t seed = option(args, QStringLiteral("--seed"), QStringLiteral("0")).toULongLong();
    const ProjectData project = ProjectFile::load(findProject(projectDir, model));
    checkBatchShape(project, benchSpec(model));
    ComposedModule composed = ModelBuilder::build(project, seed);
    torch::manual_seed(seed);
    ForwardFn forward;
    auto hand = handwrittenModel(model, &forward);
    auto shapeText = [](const torch::Tensor &t) { return QString::fromStdString(c10::str(t.sizes())); };
    bool sameNames = true, sameValues = true;
    QJsonArray rows;
    auto compare = [&](const torch::OrderedDict<std::string, torch::Tensor> &a,
                       const torch::OrderedDict<std::string, torch::Tensor> &b, const QString &kind) {
        if (a.size() != b.size())
            sameNames = sameValues = false;
        for (size_t k = 0; k < std::max(a.size(), b.size()); ++k) {
            QJsonObject row{{QStringLiteral("kind"), kind}};
            if (k < a.size())
                row.insert(QStringLiteral("composed"), QString::fromStdString(a[k].key()) + QLatin1Char(' ') + shapeText(a[k].value()));
            if (k < b.size())
                row.insert(QStringLiteral("handwritten"), QString::fromStdString(b[k].key()) + QLatin1Char(' ') + shapeText(b[k].value()));
            const bool both = k < a.size() && k < b.size();
            const bool name = both && a[k].key() == b[k].key();
            const bool value = both && a[k].value().sizes() == b[k].value().sizes() && torch::equal(a[k].value(), b[k].value());
            row.insert(QStringLiteral("same_name"), name);
            row.insert(QStringLiteral("same_value"), value);
            sameNames = sameNames && name;
            sameValues = sameValues && value;
            rows.append(row);
        }
    };
    compare(composed->named_parameters(), hand->named_parameters(), QStringLiteral("parameter"));
    compare(composed->named_buffers(), hand->named_buffers(), QStringLiteral("buffer"));
    // One forward pass of the same batch in training mode gives the same output.
    const BenchSpec spec = benchSpec(model);
    const torch::Tensor x = makeBenchData(spec, seed).x.narrow(0, 0, spec.batch).view(spec.batchShape());
    const torch::Tensor a = composed->forward(x), b = forward(x);
    const double diff = a.sizes() == b.sizes() ? (a - b).abs().max().item<double>() : -1.0;
    const bool same = sameNames && sameValues && diff >= 0 && diff <= 1e-5;
    print({{QStringLiteral("model"), model}, {QStringLiteral("seed"), double(seed)}, {QStringLiteral("same"), same},
           {QStringLiteral("same_names"), sameNames}, {QStringLiteral("same_values"), sameValues},
           {QStringLiteral("output_max_abs_diff"), diff}, {QStringLiteral("tensors"), rows}});
    return same ? 0 : 1;
}

/// A project of about `nodes` call nodes: a chain of Linear/ReLU pairs, or a
/// wide fan of Linear branches summed pairwise.
ProjectData scaleProject(int nodes, bool wide)
{
    ModuleType t;
    t.name = QStringLiteral("Scale");
    int id = 1;
    Node in;
    in.id = id++;
    in.kind = NodeKind::Input;
    in.name = QStringLiteral("x");
    in.shape = {OptionValue::constant(16)};
    t.nodes.append(in);
    auto call = [&](const QString &name, const QString &type, OptionMap options, QPointF pos) {
        Instance i;
        i.name = name;
        i.type = type;
        i.options = options;
        t.instances.append(i);
        Node n;
        n.id = id++;
        n.name = name;
        n.pos = pos;
        t.nodes.append(n);
        return n.id;
    };
    const OptionMap lin{{QStringLiteral("out_features"), OptionValue::constant(16)}};
    int last = in.id;
    if (!wide) {
        for (int k = 0; k < nodes; ++k) {
            const bool isLinear = k % 2 == 0;
            const int n = call(QStringLiteral("n%1").arg(k), isLinear ? QStringLiteral("Linear") : QStringLiteral("ReLU"),
                               isLinear ? lin : OptionMap{}, QPointF(150.0 * k, 0));
            t.wires.append(Wire{{last, 0}, {n, 0}});
            last = n;
        }
    } else {
        // Half the nodes are branches from x; the other half add them up in a tree.
        QList<int> layer;
        const int branches = std::max(2, nodes / 2);
        for (int k = 0; k < branches; ++k) {
            const int n = call(QStringLiteral("b%1").arg(k), QStringLiteral("Linear"), lin, QPointF(0, 80.0 * k));
            t.wires.append(Wire{{in.id, 0}, {n, 0}});
            layer.append(n);
        }
        int adds = 0;
        while (layer.size() > 1) {
            QList<int> next;
            for (int k = 0; k + 1 < layer.size(); k += 2) {
                const int n = call(QStringLiteral("add%1").arg(adds++), QStringLiteral("Add"), {}, QPointF(200.0, 80.0 * k));
                t.wires.append(Wire{{layer.at(k), 0}, {n, 0}});
                t.wires.append(Wire{{layer.at(k + 1), 0}, {n, 1}});
                next.append(n);
            }
            if (layer.size() % 2)
                next.append(layer.last());
            layer = next;
        }
        last = layer.first();
    }
    Node out;
    out.id = id++;
    out.kind = NodeKind::Output;
    out.name = QStringLiteral("y");
    t.nodes.append(out);
    t.wires.append(Wire{{last, 0}, {out.id, 0}});
    ProjectData p;
    p.root = t.name;
    p.types = {t};
    return p;
}

template <typename F>
double timeMs(F &&f, int repeats)
{
    std::vector<double> v;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer timer;
        timer.start();
        f();
        v.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    return median(v);
}

int scale(const QStringList &args)
{
    const int nodes = option(args, QStringLiteral("--nodes"), QStringLiteral("1000")).toInt();
    const bool wide = option(args, QStringLiteral("--shape"), QStringLiteral("chain")) == QLatin1String("wide");
    const int repeats = option(args, QStringLiteral("--repeats"), QStringLiteral("5")).toInt();
    torch::set_num_threads(1);
    const ProjectData project = scaleProject(nodes, wide);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("scale.mcproj"));
    QString error;
    if (!ProjectFile::save(project, path, &error))
        throw std::runtime_error(error.toStdString());

    const double loadMs = timeMs([&] { ProjectFile::load(path); }, repeats);
    // One edit, as the editor makes it, then the analysis the editor runs: it
    // builds on the analysis before the edit.
    Project doc;
    doc.setData(project);
    int flip = 0;
    const QString first = project.types.first().instances.first().name;
    auto previous = std::make_unique<const Analysis>(doc.data());
    const double inferMs = timeMs(
        [&] {
            doc.setOption(doc.rootType(), first, QStringLiteral("out_features"), OptionValue::constant(16 + (++flip % 2)));
            auto a = std::make_unique<const Analysis>(doc.data(), previous.get());
            if (a->root() == nullptr)
                throw std::runtime_error("no root");
            previous = std::move(a);
        },
        repeats);
    // The same edit with an analysis from scratch.
    const double fullMs = timeMs(
        [&] {
            doc.setOption(doc.rootType(), first, QStringLiteral("out_features"), OptionValue::constant(16 + (++flip % 2)));
            const Analysis a(doc.data());
            if (a.root() == nullptr)
                throw std::runtime_error("no root");
        },
        repeats);
    ComposedModule built{nullptr};
    const double buildMs = timeMs([&] { built = ModelBuilder::build(project, 0); }, repeats);
    const double exportMs = timeMs(
        [&] {
            if (!TorchScriptExporter::save(project, built, dir.filePath(QStringLiteral("scale.pt")), &error))
                throw std::runtime_error(error.toStdString());
        },
        std::max(1, repeats / 2));
    print({{QStringLiteral("nodes"), int(project.types.first().nodes.size())},
           {QStringLiteral("shape"), wide ? QStringLiteral("wide") : QStringLiteral("chain")},
           {QStringLiteral("load_ms"), loadMs}, {QStringLiteral("infer_ms"), inferMs}, {QStringLiteral("infer_full_ms"), fullMs},
           {QStringLiteral("build_ms"), buildMs}, {QStringLiteral("export_ms"), exportMs}});
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    try {
        if (args.value(1) == QLatin1String("throughput"))
            return throughput(args);
        if (args.value(1) == QLatin1String("scale"))
            return scale(args);
        if (args.value(1) == QLatin1String("params"))
            return params(args);
    } catch (const std::exception &e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    std::cerr << "usage: mc-bench throughput|scale|params [options]" << std::endl;
    return 2;
}
