#include "training/Evaluator.h"

#include "data/RandomStreams.h"
#include "training/Loss.h"

#include <algorithm>
#include <optional>

namespace mc {

namespace {

constexpr int64_t kChunk = kEvaluationChunk; // rows per forward pass

} // namespace

Evaluator::Evaluator(TrainingSettings::Loss loss, int64_t outputs, const QStringList &classNames, bool reconstruction)
    : m_loss(loss), m_outputs(outputs)
{
    using L = TrainingSettings::Loss;
    if (loss == L::CrossEntropy || loss == L::Nll) {
        m_e.task = Evaluation::Task::Classification;
        for (int64_t c = 0; c < outputs; ++c)
            m_e.classNames.append(c < classNames.size() ? classNames.at(int(c)) : QString::number(c));
    } else if (loss == L::Bce || loss == L::BceWithLogits) {
        m_e.task = Evaluation::Task::Binary;
        m_e.classNames = {QStringLiteral("0"), QStringLiteral("1")};
    } else {
        m_e.task = Evaluation::Task::Regression;
        m_e.reconstruction = reconstruction;
        m_targetSum.assign(size_t(outputs), 0.0);
        m_targetSqSum.assign(size_t(outputs), 0.0);
    }
    m_e.confusion.assign(size_t(m_e.classes() * m_e.classes()), 0);
}

void Evaluator::add(const torch::Tensor &output, const torch::Tensor &target)
{
    const int64_t rows = output.size(0);
    if (rows == 0)
        return;
    m_lossSum += lossValue(m_loss, output, target).item<double>() * double(rows);
    m_e.samples += rows;
    const int n = m_e.classes();
    switch (m_e.task) {
    case Evaluation::Task::None:
        break;
    case Evaluation::Task::Classification: {
        const torch::Tensor predicted = output.argmax(1).contiguous();
        const torch::Tensor truth = target.to(torch::kInt64).contiguous();
        const int64_t *p = predicted.data_ptr<int64_t>();
        const int64_t *t = truth.data_ptr<int64_t>();
        for (int64_t r = 0; r < rows; ++r) {
            if (t[r] < 0 || t[r] >= n)
                continue; // the loss above has refused it already
            ++m_e.confusion[size_t(t[r] * n + p[r])];
            m_right += p[r] == t[r];
            m_e.predicted.push_back(p[r]);
            m_e.truth.push_back(t[r]);
        }
        m_decisions += rows;
        if (n > 5) {
            const torch::Tensor top = std::get<1>(output.topk(5, 1));
            m_top5 += top.eq(truth.unsqueeze(1)).any(1).sum().item<int64_t>();
        }
        break;
    }
    case Evaluation::Task::Binary: {
        const double threshold = m_loss == TrainingSettings::Loss::Bce ? 0.5 : 0.0;
        const torch::Tensor yes = output.ge(threshold).flatten();
        const torch::Tensor truth = target.ge(0.5).flatten();
        const int64_t tp = (yes & truth).sum().item<int64_t>();
        const int64_t fp = (yes & ~truth).sum().item<int64_t>();
        const int64_t fn = (~yes & truth).sum().item<int64_t>();
        const int64_t all = yes.numel();
        m_e.confusion[3] += tp;
        m_e.confusion[1] += fp;
        m_e.confusion[2] += fn;
        m_e.confusion[0] += all - tp - fp - fn;
        m_right += all - fp - fn;
        m_decisions += all;
        break;
    }
    case Evaluation::Task::Regression: {
        const torch::Tensor o = output.to(torch::kFloat64).reshape({rows, -1});
        const torch::Tensor t = target.to(torch::kFloat64).reshape({rows, -1});
        const torch::Tensor diff = o - t;
        m_sqErr += diff.square().sum().item<double>();
        m_absErr += diff.abs().sum().item<double>();
        const torch::Tensor sum = t.sum(0).contiguous();
        const torch::Tensor sq = t.square().sum(0).contiguous();
        const int64_t columns = std::min<int64_t>(sum.numel(), int64_t(m_targetSum.size()));
        for (int64_t c = 0; c < columns; ++c) {
            m_targetSum[size_t(c)] += sum.data_ptr<double>()[c];
            m_targetSqSum[size_t(c)] += sq.data_ptr<double>()[c];
        }
        break;
    }
    }
}

Evaluation Evaluator::result() const
{
    Evaluation e = m_e;
    if (e.samples == 0) {
        e.task = Evaluation::Task::None;
        return e;
    }
    e.loss = m_lossSum / double(e.samples);
    if (e.task == Evaluation::Task::Classification || e.task == Evaluation::Task::Binary) {
        e.accuracy = m_decisions ? double(m_right) / double(m_decisions) : Evaluation::kNaN;
        if (e.task == Evaluation::Task::Classification && e.classes() > 5)
            e.top5 = double(m_top5) / double(e.samples);
        const int n = e.classes();
        for (int c = 0; c < n; ++c) {
            qint64 predictedAs = 0;
            qint64 of = 0;
            for (int k = 0; k < n; ++k) {
                predictedAs += e.count(k, c);
                of += e.count(c, k);
            }
            const double right = double(e.count(c, c));
            const double p = predictedAs ? right / double(predictedAs) : 0.0;
            const double r = of ? right / double(of) : 0.0;
            e.precision.append(p);
            e.recall.append(r);
            e.f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0.0);
        }
    } else if (e.task == Evaluation::Task::Regression) {
        const double values = double(e.samples) * double(m_outputs);
        e.mse = m_sqErr / values;
        e.mae = m_absErr / values;
        double total = 0; // Σ (target − column mean)², over the columns
        for (size_t c = 0; c < m_targetSum.size(); ++c)
            total += m_targetSqSum[c] - m_targetSum[c] * m_targetSum[c] / double(e.samples);
        e.r2 = total > 1e-12 * values ? 1.0 - m_sqErr / total : Evaluation::kNaN;
    }
    return e;
}

Evaluation evaluate(ComposedModule &module, const Dataset &data, const TrainingSettings &settings,
                    const std::vector<int64_t> &inputShape)
{
    if (data.isEmpty())
        return Evaluation();
    torch::NoGradGuard noGrad;
    std::vector<int64_t> view{-1};
    view.insert(view.end(), inputShape.begin(), inputShape.end());
    const bool reconstruction = data.inputs().sizes() == data.targets().sizes() &&
                                data.inputs().equal(data.targets());
    std::optional<Evaluator> evaluator;
    const bool wasTraining = module->is_training();
    module->eval();
    const int64_t rows = data.size();
    for (int64_t start = 0; start < rows; start += kChunk) {
        const int64_t length = std::min(kChunk, rows - start);
        const torch::Tensor output =
            comparableOutput(module->forward(data.inputs().narrow(0, start, length).view(view)), settings.loss);
        if (!evaluator)
            evaluator.emplace(settings.loss, output.size(1), data.classNames(), reconstruction);
        evaluator->add(output, data.targets().narrow(0, start, length));
    }
    if (wasTraining)
        module->train();
    return evaluator->result();
}

} // namespace mc
