"""``python -m mobrecon_bench``: the benchmark command line (see ``mobrecon_bench.cli``)."""

from mobrecon_bench.cli import bench_app

if __name__ == "__main__":
    bench_app(prog_name="python -m mobrecon_bench")
