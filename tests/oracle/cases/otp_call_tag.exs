# A call's from is {caller, tag} with OTP 25's alias tag ([:alias | ref]); a reply sent later with GenServer.reply
# (here from another process) reaches the waiting caller.
defmodule Deferred do
  use GenServer
  def init(s), do: {:ok, s}
  def handle_call(:tag, {pid, tag} = _from, s), do: {:reply, {pid == s, match?([:alias | ref] when is_reference(ref), tag)}, s}
  def handle_call(:later, from, s) do
    spawn(fn -> :timer.sleep(20); GenServer.reply(from, :replied_later) end)
    {:noreply, s}
  end
end

{:ok, d} = GenServer.start(Deferred, self())
IO.inspect(GenServer.call(d, :tag))
IO.inspect(GenServer.call(d, :later))
