# Exit reasons and crash reports of processes that fail in different ways.
defmodule T do
  def run(f) do
    Process.flag(:trap_exit, true)
    spawn_link(f)
    receive do
      {:EXIT, _, r} ->
        :timer.sleep(50)
        IO.inspect r
    end
  end
  def div0(x), do: 1 / x
  def add(x), do: x + 1
  def only(:a), do: :a
  def nested(x), do: {:ok, T.add(x)}
end
T.run(fn -> T.div0(0) end)
T.run(fn -> T.add(:a) end)
T.run(fn -> {:ok, x} = T.only(:a); x end)
T.run(fn -> case T.only(:a) do :b -> :ok end end)
T.run(fn -> throw(:ball) end)
T.run(fn -> exit(:bye) end)
T.run(fn -> raise ArgumentError, "bad" end)
T.run(fn -> T.nope() end)
T.run(fn -> T.only(:z) end)
T.run(fn -> T.nested(:x) end)
T.run(fn -> raise "plain" end)
