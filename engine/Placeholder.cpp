// Placeholder so the library has a source until the engine lands.
namespace ks::engine {
int placeholder() { return 0; }
} // namespace ks::engine
