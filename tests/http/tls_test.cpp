// HTTPS between the client and the server, with certificates made in the test.

#include <catch2/catch.hpp>

#include "engine/http/http_client.hpp"
#include "engine/http/http_server.hpp"
#include "tests/http/http_test_support.hpp"
#include "tests/http/test_certificate.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;

namespace {

struct TlsFixture {
  TlsFixture()
      : certificate(make_self_signed_certificate({"lusifer.test"}, {"127.0.0.1"})),
        server(options(certificate),
               [](HttpServerRequest request, Responder responder) {
                 responder.respond(text_response("secure " + request.path));
               }),
        ca_file(dir.write("ca.pem", certificate.certificate_pem).string()) {}

  static HttpServerOptions options(const TestCertificate& cert) {
    HttpServerOptions o;
    o.tls = HttpServerTls{cert.certificate_pem, cert.private_key_pem};
    return o;
  }

  HttpRequest get(std::string host, std::string path = "/") const {
    HttpRequest r;
    r.url = "https://" + host + ":" + std::to_string(server.port()) + path;
    return r;
  }

  TestCertificate certificate;
  HttpServer server;
  TempDir dir;
  std::string ca_file;
};

}  // namespace

TEST_CASE("an unknown self-signed certificate is rejected by default", "[tls]") {
  TlsFixture f;
  CHECK(f.server.base_url() == "https://127.0.0.1:" + std::to_string(f.server.port()));
  HttpClient client;
  const auto got = client.send_and_wait(f.get("127.0.0.1"));
  CHECK(got.error == HttpError::kTlsError);
  CHECK_FALSE(got.request_sent);
  CHECK_THAT(got.error_message, Catch::Contains("certificate"));
  CHECK(f.server.stats().requests == 0);
}

TEST_CASE("the certificate is accepted when given as a CA file", "[tls]") {
  TlsFixture f;
  HttpClientOptions options;
  options.ca_file = f.ca_file;
  HttpClient client(options);
  for (int i = 0; i < 3; ++i) {
    const auto got = client.send_and_wait(f.get("127.0.0.1", "/v1/models"));
    REQUIRE(got.ok());
    CHECK(got.status == 200);
    CHECK(got.body == "secure /v1/models");
  }
  CHECK(f.server.stats().connections_accepted == 1);  // keep-alive over TLS
}

TEST_CASE("a host name the certificate does not list is rejected", "[tls]") {
  TlsFixture f;
  HttpClientOptions options;
  options.ca_file = f.ca_file;
  HttpClient client(options);
  // "localhost" resolves to this server, but the certificate names only
  // lusifer.test and 127.0.0.1.
  const auto got = client.send_and_wait(f.get("localhost"));
  CHECK(got.error == HttpError::kTlsError);
  CHECK_FALSE(got.request_sent);
}

TEST_CASE("verification can be switched off explicitly", "[tls]") {
  TlsFixture f;
  HttpClientOptions options;
  options.dangerously_disable_tls_verification = true;
  HttpClient client(options);
  const auto got = client.send_and_wait(f.get("localhost", "/anything"));
  REQUIRE(got.ok());
  CHECK(got.body == "secure /anything");
}

TEST_CASE("a missing CA file and bad server key material are configuration errors", "[tls]") {
  HttpClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_AS(HttpClient(options), std::invalid_argument);

  HttpServerOptions server_options;
  server_options.tls = HttpServerTls{"not a certificate", "not a key"};
  CHECK_THROWS_AS(HttpServer(server_options, [](HttpServerRequest, Responder) {}),
                  std::invalid_argument);
}

TEST_CASE("a plain HTTP client talking to the TLS port fails cleanly", "[tls]") {
  TlsFixture f;
  HttpClient client;
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(f.server.port()) + "/";
  r.timeout = std::chrono::milliseconds(2000);
  const auto got = client.send_and_wait(r);
  CHECK_FALSE(got.ok());
}
