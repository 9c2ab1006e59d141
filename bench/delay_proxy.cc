// A TCP proxy that adds a fixed delay to each direction, for benchmarks at a
// realistic distance from the endpoint on a machine without netem.
//
//   delay_proxy --upstream 127.0.0.1:PORT --delay-ms 10 [--port 0]
//
// Every chunk read from one side is written to the other `delay` later,
// without holding back the chunks behind it, so the round trip grows by
// 2 x delay while the bandwidth stays that of the machine (a long, fat link).
// Prints the port it listens on (127.0.0.1 only), then serves until killed.
// One thread and no copies beyond the read buffer: the proxy must not be what
// a benchmark measures (a Python proxy capped throughput near 300 MB/s).
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kChunk = 256 * 1024;
// Bytes held per direction before reading pauses: far above what 10 ms of
// loopback carries, so it never limits bandwidth, yet bounds memory.
constexpr size_t kMaxHeld = 256u * 1024 * 1024;

// An awaitable completion that stores the error instead of throwing it.
auto Ignoring(boost::system::error_code& error) {
  return asio::redirect_error(asio::use_awaitable, error);
}

struct Chunk {
  Clock::time_point due;
  std::vector<char> data;  // empty = end of stream
};

// Owns both sockets of one proxied connection for as long as either pipe runs.
struct Connection {
  Connection(tcp::socket client, asio::any_io_executor executor)
      : client(std::move(client)), server(executor) {}
  tcp::socket client;
  tcp::socket server;
};

// One direction of a connection: a reader queues chunks stamped with their
// due time; a writer sends each when it is due, in order.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(std::shared_ptr<Connection> connection, bool upstream, Clock::duration delay)
      : connection_(std::move(connection)),
        from_(upstream ? connection_->client : connection_->server),
        to_(upstream ? connection_->server : connection_->client),
        delay_(delay),
        writer_wake_(from_.get_executor()),
        reader_wake_(from_.get_executor()) {}

  void Start() {
    asio::co_spawn(from_.get_executor(), Read(shared_from_this()), asio::detached);
    asio::co_spawn(from_.get_executor(), Write(shared_from_this()), asio::detached);
  }

 private:
  static asio::awaitable<void> Read(std::shared_ptr<Pipe> self) {
    boost::system::error_code ignored;
    for (;;) {
      while (self->held_ > kMaxHeld) {
        self->reader_wake_.expires_at(Clock::time_point::max());
        co_await self->reader_wake_.async_wait(Ignoring(ignored));
      }
      std::vector<char> buffer = self->TakeBuffer();
      boost::system::error_code error;
      size_t n = co_await self->from_.async_read_some(asio::buffer(buffer), Ignoring(error));
      buffer.resize(error ? 0 : n);
      self->held_ += buffer.size();
      bool end = buffer.empty();
      self->queue_.push_back({Clock::now() + self->delay_, std::move(buffer)});
      self->writer_wake_.cancel();
      if (end) co_return;
    }
  }

  static asio::awaitable<void> Write(std::shared_ptr<Pipe> self) {
    boost::system::error_code ignored;
    for (;;) {
      if (self->queue_.empty()) {
        self->writer_wake_.expires_at(Clock::time_point::max());
        co_await self->writer_wake_.async_wait(Ignoring(ignored));
        continue;
      }
      Chunk& front = self->queue_.front();
      if (Clock::now() < front.due) {
        self->writer_wake_.expires_at(front.due);
        co_await self->writer_wake_.async_wait(Ignoring(ignored));
        continue;
      }
      if (front.data.empty()) {
        self->to_.shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
      std::vector<char> data = std::move(front.data);
      self->queue_.pop_front();
      boost::system::error_code error;
      co_await asio::async_write(self->to_, asio::buffer(data), Ignoring(error));
      self->held_ -= data.size();
      self->spare_.push_back(std::move(data));
      self->reader_wake_.cancel();
      if (error) {
        // The far side is gone: end both directions.
        self->from_.close(ignored);
        self->to_.close(ignored);
        co_return;
      }
    }
  }

  // Buffers are reused: a fresh 256 KiB allocation per read is an mmap, page
  // faults and a memset, which cost more than the copy through the proxy.
  std::vector<char> TakeBuffer() {
    if (spare_.empty()) return std::vector<char>(kChunk);
    std::vector<char> buffer = std::move(spare_.back());
    spare_.pop_back();
    buffer.resize(kChunk);
    return buffer;
  }

  std::shared_ptr<Connection> connection_;
  tcp::socket& from_;
  tcp::socket& to_;
  Clock::duration delay_;
  asio::steady_timer writer_wake_;
  asio::steady_timer reader_wake_;
  std::deque<Chunk> queue_;
  std::vector<std::vector<char>> spare_;
  size_t held_ = 0;
};

asio::awaitable<void> Serve(tcp::socket client, tcp::endpoint upstream,
                            Clock::duration delay) {
  auto executor = co_await asio::this_coro::executor;
  auto connection = std::make_shared<Connection>(std::move(client), executor);
  boost::system::error_code error;
  co_await connection->server.async_connect(upstream, Ignoring(error));
  if (error) co_return;
  connection->client.set_option(tcp::no_delay(true));
  connection->server.set_option(tcp::no_delay(true));
  std::make_shared<Pipe>(connection, true, delay)->Start();
  std::make_shared<Pipe>(connection, false, delay)->Start();
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, tcp::endpoint upstream,
                             Clock::duration delay) {
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor.async_accept(Ignoring(error));
    if (error) continue;
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket), upstream, delay),
                   asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TCP proxy adding a fixed delay to each direction (for benchmarks)"};
  std::string upstream_text;
  double delay_ms = 0;
  unsigned short port = 0;
  app.add_option("--upstream", upstream_text, "HOST:PORT to forward to")->required();
  app.add_option("--delay-ms", delay_ms, "delay added to each direction")->required();
  app.add_option("--port", port, "port to listen on (127.0.0.1; 0 = any free)");
  CLI11_PARSE(app, argc, argv);

  auto colon = upstream_text.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "--upstream must be HOST:PORT\n");
    return 2;
  }
  tcp::endpoint upstream(asio::ip::make_address(upstream_text.substr(0, colon)),
                         static_cast<unsigned short>(std::stoi(upstream_text.substr(colon + 1))));
  auto delay = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(delay_ms));

  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(io, Accept(acceptor, upstream, delay), asio::detached);
  io.run();
}
