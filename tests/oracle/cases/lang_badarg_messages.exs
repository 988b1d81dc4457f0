# What a bad argument to a process BIF (and a few others learners meet) says: OTP 25's per-argument messages,
# the raw :badarg with the BIF's call as the innermost frame, and Process.register's own errors.
defmodule T do
  def t(label, f) do
    try do
      f.()
      IO.puts("#{label}: no error")
    rescue
      e -> IO.puts("#{label}: #{inspect(e.__struct__)} #{inspect(Exception.message(e))}")
    catch
      k, v -> IO.puts("#{label}: caught #{inspect(k)} #{inspect(v)}")
    end
    try do
      f.()
    catch
      k, v -> IO.puts("  raw: #{inspect(k)} #{inspect(v)} top: #{inspect(hd(__STACKTRACE__))}")
    end
  end
end
dead = spawn(fn -> :ok end)
:timer.sleep(10)
T.t("send name", fn -> send(:nobody, :hi) end)
T.t("send int", fn -> send(42, :hi) end)
T.t("send tuple", fn -> send({:nobody, :nonode@nohost}, :hi) end)
T.t("alive atom", fn -> Process.alive?(:foo) end)
T.t("info atom", fn -> Process.info(:w) end)
T.t("info2 atom", fn -> Process.info(:w, :links) end)
T.t("info bad key", fn -> Process.info(self(), :bogus) end)
T.t("info bad list", fn -> Process.info(self(), [:links, :bogus]) end)
T.t("flag bogus", fn -> Process.flag(:bogus, true) end)
T.t("flag trap 1", fn -> Process.flag(:trap_exit, 1) end)
T.t("unregister missing", fn -> Process.unregister(:nobody) end)
T.t("unregister int", fn -> Process.unregister(1) end)
T.t("register ok then again", fn -> Process.register(self(), :me); Process.register(self(), :me2) end)
T.t("register nil", fn -> Process.register(self(), nil) end)
T.t("whereis int", fn -> Process.whereis(1) end)
T.t("link atom", fn -> Process.link(:foo) end)
T.t("monitor int", fn -> Process.monitor(1) end)
T.t("exit atom", fn -> Process.exit(:foo, :kill) end)
T.t("send_after bad", fn -> Process.send_after(self(), :x, -1) end)
T.t("demonitor int", fn -> Process.demonitor(1) end)
T.t("hd empty", fn -> hd([]) end)
T.t("elem", fn -> elem({1}, 3) end)
T.t("atom_to_binary", fn -> String.to_atom(1) end)
T.t("list_to_atom", fn -> List.to_atom(1) end)
T.t("binary_to_integer", fn -> String.to_integer("x") end)
T.t("length improper", fn -> length([1 | 2]) end)
T.t("tuple_size", fn -> tuple_size(1) end)
T.t("map_size", fn -> map_size(1) end)
T.t("abs", fn -> abs(:a) end)
T.t("list_to_atom bad char", fn -> List.to_atom([-1]) end)
IO.inspect(:erlang.raise(:bogus, :x, []))
