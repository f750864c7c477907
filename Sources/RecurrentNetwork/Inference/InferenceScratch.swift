/// The working memory of one inference call on one thread, sized for one batch plan.
///
/// Allocated once per call (never per time step) and never shared between threads.
final class InferenceScratch {
    /// Zeros, `[max(G·H, H)]`: the state and hidden projection of an item that has none yet.
    let zeros: InferenceBuffer
    /// Upper layers' input projections for a chunk of consecutive packed rows,
    /// `[inputProjectionRows, G·H]`.
    let inputProjection: InferenceBuffer
    /// Rows of `inputProjection`: `chunkRows`, but at least one time step's (the batch) and at
    /// most all rows.
    let inputProjectionRows: Int
    /// W_hh h for the items carrying a state, `[batch, G·H]`.
    let hiddenProjection: InferenceBuffer
    /// LSTM cell states, two `[batch, H]` buffers used alternately by step parity.
    let cellState: [InferenceBuffer]
    /// Packed layer outputs, two `[tokenCount, D]` buffers used alternately by layer parity.
    let layerOutput: [InferenceBuffer]
    /// Pooled vectors in sorted order, `[batch, A]`.
    let pooled: InferenceBuffer
    /// The head's activations, `[batch, A]` each.
    let headInput: InferenceBuffer
    let headHidden: InferenceBuffer
    /// Logits in sorted order, `[batch, C]`.
    let logits: InferenceBuffer

    init(plan: InferenceBatchPlan, architecture a: ModelArchitecture, chunkRows: Int) {
        let gateWidth = a.cell.gateCount * a.hiddenSize
        let batch = plan.batchSize
        let rows = plan.tokenCount
        zeros = InferenceBuffer(zeros: max(gateWidth, a.hiddenSize))
        inputProjectionRows = min(rows, max(batch, chunkRows))
        inputProjection = InferenceBuffer(count: a.numLayers > 1 ? inputProjectionRows * gateWidth : 0)
        hiddenProjection = InferenceBuffer(count: batch * gateWidth)
        let cellCount = a.cell == .lstm ? batch * a.hiddenSize : 0
        cellState = [InferenceBuffer(count: cellCount), InferenceBuffer(count: cellCount)]
        layerOutput = [
            InferenceBuffer(count: rows * a.outputSize),
            InferenceBuffer(count: a.numLayers > 1 ? rows * a.outputSize : 0),
        ]
        pooled = InferenceBuffer(count: batch * a.headSize)
        headInput = InferenceBuffer(count: batch * a.headSize)
        headHidden = InferenceBuffer(count: batch * a.headSize)
        logits = InferenceBuffer(count: batch * a.numClasses)
    }
}
