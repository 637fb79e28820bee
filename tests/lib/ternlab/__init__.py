"""ternlab: the Python test library of tern, shared by the integration tests, the benchmarks
and the scripts. Standard library only.

  harness          real mosquitto brokers on free 127.0.0.1 ports, stopped by PID
  certs            test certificates, generated with openssl at test time
  proxy            a TCP proxy whose connections a test can cut
  scripted_broker  a scripted MQTT broker for exact-behaviour and hostile-peer tests
  ws_server        the aedes broker behind ws/wss (tests/lib/ws_broker) and a scripted
                   WebSocket server

Found through PYTHONPATH=tests/lib, which whoever runs a test or script sets (ctest,
the Makefile's targets); nothing edits sys.path. Import as `from ternlab.harness import Broker`.
"""
