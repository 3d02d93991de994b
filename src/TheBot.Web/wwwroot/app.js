// THE_BOT page: lists courses from /api/courses and chats over /ws/chat/{room} (both proxied to the backend).
"use strict";

const $ = (id) => document.getElementById(id);
let socket = null;

function line(text, cls) {
  const div = document.createElement("div");
  div.textContent = text;
  if (cls) div.className = cls;
  $("log").appendChild(div);
  $("log").scrollTop = $("log").scrollHeight;
}

async function loadCourses() {
  const list = $("courses");
  try {
    const response = await fetch("/api/courses", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const courses = await response.json();
    list.replaceChildren(...(courses.length ? courses.map((c) => {
      const li = document.createElement("li");
      li.textContent = `${c.title}${c.description ? " — " + c.description : ""}`;
      return li;
    }) : [Object.assign(document.createElement("li"), { textContent: "no courses yet", className: "meta" })]));
  } catch (error) {
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: `cannot load courses: ${error.message}`, className: "error" }));
  }
}

function connect(room, userId) {
  if (socket) socket.close();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${encodeURIComponent(room)}?userId=${encodeURIComponent(userId)}`);
  $("status").textContent = "connecting…";
  socket.onopen = () => {
    $("status").textContent = `connected to ${room}`;
    $("text").disabled = $("sendButton").disabled = false;
  };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "message") line(`[${new Date(frame.message.sentAt).toLocaleTimeString()}] user ${frame.message.senderId}: ${frame.message.text}`);
    else if (frame.type === "joined") line(`joined ${frame.room} (${frame.chatType})`, "meta");
    else if (frame.type === "error") line(frame.error, "error");
  };
  socket.onclose = () => {
    $("status").textContent = "not connected";
    $("text").disabled = $("sendButton").disabled = true;
  };
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  connect($("room").value.trim(), $("user").value.trim());
});

$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (text && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ text }));
    $("text").value = "";
  }
});

loadCourses();
