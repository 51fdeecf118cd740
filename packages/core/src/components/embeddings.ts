/**
 * Text embeddings as the grounding and reflection-retrieval components use them: the two methods of LangChain's
 * `EmbeddingsInterface`, so any LangChain embeddings object fits, and a component that takes one does not name
 * `@langchain/core` in its types (its users need not install it).
 */
export interface TextEmbeddings {
  /** One vector per document, same order. */
  embedDocuments(documents: string[]): Promise<number[][]>;
  /** The vector of one query text. */
  embedQuery(document: string): Promise<number[]>;
}
